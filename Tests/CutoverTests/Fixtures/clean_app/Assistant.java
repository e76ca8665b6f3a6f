import com.openai.client.OpenAIClient;
import com.openai.models.ChatCompletionCreateParams;

public class Assistant {
    private final OpenAIClient client;
    private final String model;

    public Assistant(OpenAIClient client, String model) {
        this.client = client;
        this.model = model;
    }

    public String ask(String question) {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
            .model(model)
            .addUserMessage(question)
            .temperature(0.0)
            .build();
        return client.chat().completions().create(params).choices().get(0).message().content().orElse("");
    }
}
