import OpenAI from "openai";
import { config } from "./config";

const client = new OpenAI({ baseURL: config.baseURL });

export async function plan(task: string, limits: { maxTokens: number }) {
  return client.chat.completions.create({
    model: config.model,
    messages: [{ role: "user", content: task }],
    temperature: config.temperature,
    max_tokens: limits.maxTokens,
  });
}
