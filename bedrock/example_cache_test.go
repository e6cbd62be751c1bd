package bedrock_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/bedrock/model"
)

// ExampleWithPromptCache sends two items with the same long system prompt
// to the emulator: the first call writes the prompt to Bedrock's cache, the
// second reads it, and input_tokens counts only the item.
func ExampleWithPromptCache() {
	emu, err := emulator.New(emulator.WithLatency(emulator.Latency{}))
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	defer srv.Close()
	api := bedrockruntime.NewFromConfig(aws.Config{
		Region:      "eu-west-3",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	}, func(o *bedrockruntime.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	const id = "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"
	price, _ := model.DefaultPrice(id)
	c, err := bedrock.New(api, id, bedrock.Unlimited, bedrock.WithPromptCache(true), bedrock.WithPrice(price))
	if err != nil {
		log.Fatal(err)
	}
	system := strings.Repeat("Normalize the press item into the JSON record described here. ", 150)
	for _, title := range []string{"Acme Pharma wins approval", "Medincell awarded a grant"} {
		res, err := c.Call(context.Background(), bedrock.Prompt{System: system, User: "TITLE: " + title})
		if err != nil {
			log.Fatal(err)
		}
		u := res.Usage
		fmt.Printf("input %d, cache write %d, cache read %d\n", u.InputTokens, u.CacheWriteInputTokens, u.CacheReadInputTokens)
	}
	// Output:
	// input 11, cache write 2107, cache read 0
	// input 11, cache write 0, cache read 2107
}
