"""A small support bot that calls the OpenAI API directly."""
import tiktoken
from openai import OpenAI

client = OpenAI(base_url="https://api.openai.com/v1", api_key="sk-placeholder")
MAX_CONTEXT_TOKENS = 8192


def count(text):
    encoding = tiktoken.encoding_for_model("gpt-4o")
    return len(encoding.encode(text))


def answer(question):
    response = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": question}],
        max_tokens=512,
    )
    return response.choices[0].message.content


def scored(question):
    return client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": question}],
        temperature=0,
        logprobs=True,
        seed=42,
    )
