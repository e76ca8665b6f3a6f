import com.openai.client.OpenAIClient;
import com.openai.models.ChatCompletionCreateParams;

public class Assistant {
    private final OpenAIClient client;

    public Assistant(OpenAIClient client) {
        this.client = client;
    }

    public String ask(String question) {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
            .model("gpt-4o")
            .addUserMessage(question)
            .n(3)
            .build();
        return client.chat().completions().create(params).choices().get(0).message().content().orElse("");
    }
}
