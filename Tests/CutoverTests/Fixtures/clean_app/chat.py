"""A small support bot, configured from the environment."""
import os

from openai import OpenAI

client = OpenAI(base_url=os.environ["OPENAI_BASE_URL"], api_key=os.environ["OPENAI_API_KEY"])
MODEL = os.environ.get("CHAT_MODEL", "default")


def answer(question, settings):
    # temperature is pinned so outputs stay comparable across endpoints
    response = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": question}],
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
    )
    usage = response.usage.completion_tokens
    return response.choices[0].message.content, usage


def seeded_shuffle(items):
    import random
    random.seed(len(items))
    return sorted(items)
