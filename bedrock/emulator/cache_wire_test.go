package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

func TestPromptCacheRejectsBadCheckpoints(t *testing.T) {
	s := mustNew(t, WithLatency(Latency{}))
	c := newTestServer(t, s)
	block := map[string]any{"type": "text", "text": "x", "cache_control": map[string]any{"type": "ephemeral"}}
	five, _ := json.Marshal(map[string]any{
		"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10,
		"system":   []any{block, block, block, block, block},
		"messages": []map[string]any{{"role": "user", "content": "hi"}},
	})
	for name, body := range map[string][]byte{
		"five checkpoints": five,
		"ttl 2h":           cachedBody(longSystem, "x", "2h"),
	} {
		_, err := c.InvokeModel(context.Background(), &bedrockruntime.InvokeModelInput{
			ModelId: aws.String(sonnet), Body: body, ContentType: aws.String("application/json"),
		})
		var ve *types.ValidationException
		if !errors.As(err, &ve) {
			t.Errorf("%s: err = %v, want ValidationException", name, err)
		}
	}
}

func TestPromptCacheConverse(t *testing.T) {
	s := mustNew(t, WithLatency(Latency{}))
	c := newTestServer(t, s)
	in := &bedrockruntime.ConverseInput{
		ModelId: aws.String(sonnet),
		System: []types.SystemContentBlock{
			&types.SystemContentBlockMemberText{Value: longSystem},
			&types.SystemContentBlockMemberCachePoint{Value: types.CachePointBlock{Type: types.CachePointTypeDefault}},
		},
		Messages: []types.Message{{Role: types.ConversationRoleUser,
			Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "TITLE: a\nCONTENT: b"}}}},
		InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(300)},
	}
	prefix := int32(systemPrefix(longSystem))
	for i, wantRead := range []bool{false, true} {
		out, err := c.Converse(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		u := out.Usage
		read, write := aws.ToInt32(u.CacheReadInputTokens), aws.ToInt32(u.CacheWriteInputTokens)
		if wantRead && (read != prefix || write != 0) || !wantRead && (write != prefix || read != 0) {
			t.Errorf("call %d: read %d write %d, want %d %s", i, read, write, prefix, map[bool]string{true: "read", false: "written"}[wantRead])
		}
		if sum := aws.ToInt32(u.InputTokens) + aws.ToInt32(u.OutputTokens) + read + write; aws.ToInt32(u.TotalTokens) != sum {
			t.Errorf("call %d: totalTokens %d, want %d", i, aws.ToInt32(u.TotalTokens), sum)
		}
		if !wantRead && (len(u.CacheDetails) != 1 || u.CacheDetails[0].Ttl != types.CacheTTLFiveMinutes) {
			t.Errorf("call %d: cacheDetails %+v, want one 5m entry", i, u.CacheDetails)
		}
	}
}
