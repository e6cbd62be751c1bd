package bedrock_test

import (
	"math"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/bedrock/model"
)

// TestPromptCacheAgainstEmulator sends real normalization prompts with a
// checkpoint after the system prompt, by InvokeModel and by Converse: the
// first call writes the system prompt, the next ones read it, input counts
// only the item, and the cost follows the price table.
func TestPromptCacheAgainstEmulator(t *testing.T) {
	prompts := realPrompts(t)
	price, _ := model.DefaultPrice(emulatedModel)
	for _, op := range []bedrock.Operation{bedrock.InvokeModel, bedrock.Converse} {
		// Real time and instant answers: at the usual 100,000× speed the
		// 5-minute lifetime would last 3 ms.
		c := emulatedWith(t, []emulator.Option{emulator.WithLatency(emulator.Latency{})},
			bedrock.WithOperation(op), bedrock.WithPromptCache(true), bedrock.WithPrice(price), bedrock.WithMaxTokens(300))
		if !c.Caches() {
			t.Fatal("Sonnet 4.5 client sends no checkpoint")
		}
		var prefix int64
		for i, p := range prompts[:4] {
			res, err := c.Call(t.Context(), p)
			if err != nil {
				t.Fatal(err)
			}
			u := res.Usage
			if i == 0 {
				prefix = u.CacheWriteInputTokens
				if prefix < 1024 || u.CacheReadInputTokens != 0 {
					t.Fatalf("op %d first call: %+v, want a write of the system prompt (>= 1,024 tokens)", op, u)
				}
			} else if u.CacheReadInputTokens != prefix || u.CacheWriteInputTokens != 0 {
				t.Errorf("op %d call %d: %+v, want a read of %d", op, i, u, prefix)
			}
			if u.InputTokens <= 0 || u.InputTokens >= prefix {
				t.Errorf("op %d call %d: %d uncached input, want the item only (< %d)", op, i, u.InputTokens, prefix)
			}
			want := price.Cost(u.InputTokens, u.CacheWriteInputTokens, u.CacheReadInputTokens, u.OutputTokens)
			if math.Abs(u.CostUSD-want) > 1e-12 || u.CostUSD <= 0 {
				t.Errorf("op %d call %d: cost %g, want %g", op, i, u.CostUSD, want)
			}
		}
	}
}

// TestPromptCacheOffByDefault keeps the uncached request: no checkpoint,
// all input uncached.
func TestPromptCacheOffByDefault(t *testing.T) {
	prompts := realPrompts(t)
	c := emulated(t)
	for range 2 {
		res, err := c.Call(t.Context(), prompts[0])
		if err != nil {
			t.Fatal(err)
		}
		if u := res.Usage; u.CacheReadInputTokens+u.CacheWriteInputTokens != 0 || u.CostUSD != 0 {
			t.Errorf("default client: %+v, want no cache and no cost", u)
		}
	}
}

func TestPromptCacheOptions(t *testing.T) {
	api := bedrockruntime.New(bedrockruntime.Options{Region: "eu-west-3"})
	for _, tc := range []struct {
		id     string
		opts   []bedrock.Option
		caches bool
		fails  bool
	}{
		{"eu.anthropic.claude-sonnet-4-5-20250929-v1:0", []bedrock.Option{bedrock.WithPromptCache(true)}, true, false},
		{"eu.anthropic.claude-sonnet-4-5-20250929-v1:0", []bedrock.Option{bedrock.WithPromptCache(true), bedrock.WithCacheTTL(time.Hour)}, true, false},
		{"anthropic.claude-sonnet-4-20250514-v1:0", []bedrock.Option{bedrock.WithPromptCache(true), bedrock.WithCacheTTL(time.Hour)}, false, true},
		{"anthropic.claude-3-sonnet-20240229-v1:0", []bedrock.Option{bedrock.WithPromptCache(true)}, false, false},
		{"eu.anthropic.claude-sonnet-4-5-20250929-v1:0", []bedrock.Option{bedrock.WithPrice(model.Price{Input: -1})}, false, true},
	} {
		c, err := bedrock.New(api, tc.id, bedrock.Unlimited, tc.opts...)
		if (err != nil) != tc.fails {
			t.Errorf("%s: err %v, want failure %v", tc.id, err, tc.fails)
			continue
		}
		if err == nil && c.Caches() != tc.caches {
			t.Errorf("%s: Caches() = %v, want %v", tc.id, c.Caches(), tc.caches)
		}
	}
}
