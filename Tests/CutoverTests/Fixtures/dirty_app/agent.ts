import OpenAI from "openai";

const client = new OpenAI({ baseURL: "http://localhost:8000/v1" });

export async function plan(task: string) {
  return client.chat.completions.create({
    model: process.env.MODEL!,
    messages: [{ role: "user", content: task }],
    tools: [{ type: "function", function: { name: "search", parameters: { type: "object" } } }],
    tool_choice: "auto",
    temperature: 0.2,
  });
}
