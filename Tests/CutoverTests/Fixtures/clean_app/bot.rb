require "openai"

class Bot
  def initialize
    @client = OpenAI::Client.new(uri_base: ENV.fetch("OPENAI_BASE_URL"))
  end

  def reply(text)
    @client.chat(parameters: {
      model: ENV.fetch("CHAT_MODEL"),
      messages: [{ role: "user", content: text }],
      temperature: 0
    })
  end
end
