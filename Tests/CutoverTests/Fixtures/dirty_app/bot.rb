require "openai"

class Bot
  def initialize
    @client = OpenAI::Client.new(uri_base: "https://api.together.xyz/v1")
  end

  def reply(text)
    @client.chat(parameters: {
      model: "mistralai/Mixtral-8x7B-Instruct-v0.1",
      messages: [{ role: "user", content: text }],
      response_format: { type: "json_object" },
      top_p: 0.9
    })
  end
end
