import OpenAI from "openai";

const openai = new OpenAI({ apiKey: process.env.OPENAI_API_KEY });

export async function describe(imageUrl) {
  const completion = await openai.chat.completions.create({
    model: "gpt-4-turbo",
    messages: [
      { role: "user", content: [{ type: "image_url", image_url: { url: imageUrl } }] },
    ],
  });
  return completion.choices[0].message.content;
}

export function estimateTokens(text) {
  return Math.ceil(text.length / 4);
}
