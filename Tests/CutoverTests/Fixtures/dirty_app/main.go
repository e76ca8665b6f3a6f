package main

import (
	"context"

	openai "github.com/sashabaranov/go-openai"
)

func ask(client *openai.Client, prompt string) (string, error) {
	resp, err := client.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Model:     "gpt-3.5-turbo",
		MaxTokens: 256,
		Messages:  []openai.ChatCompletionMessage{{Role: "user", Content: prompt}},
	})
	if err != nil {
		return "", err
	}
	return resp.Choices[0].Message.Content, nil
}
