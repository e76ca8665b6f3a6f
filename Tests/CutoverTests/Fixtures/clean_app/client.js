import OpenAI from "openai";

const openai = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY });
const model = process.env.CHAT_MODEL;

export async function summarize(text) {
  const completion = await openai.chat.completions.create({
    model,
    messages: [{ role: "user", content: `Summarize: ${text}` }],
    temperature: 0,
    top_p: 1,
  });
  return completion.choices[0].message.content;
}

export function words(text) {
  return text.split(/\s+/).length;
}
