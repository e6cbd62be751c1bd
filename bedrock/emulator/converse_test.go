package emulator

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

func converseInput(id, prompt string, maxTokens *int32) *bedrockruntime.ConverseInput {
	in := &bedrockruntime.ConverseInput{
		ModelId: aws.String(id),
		System:  []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: "You normalize press items."}},
		Messages: []types.Message{{
			Role:    types.ConversationRoleUser,
			Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: prompt}},
		}},
	}
	if maxTokens != nil {
		in.InferenceConfig = &types.InferenceConfiguration{MaxTokens: maxTokens, Temperature: aws.Float32(0)}
	}
	return in
}

func TestConverseInferenceProfile(t *testing.T) {
	id := "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
	s := mustNew(t, WithTimeScale(1000), WithModel(id, Quota{RPM: 100, TPM: 2_000_000}))
	c := newTestServer(t, s)
	prompt := sampleItems(t)[0].prompt()
	out, err := c.Converse(context.Background(), converseInput(id, prompt, aws.Int32(1000)))
	if err != nil {
		t.Fatalf("Converse: %v", err)
	}
	msg := out.Output.(*types.ConverseOutputMemberMessage).Value
	text := msg.Content[0].(*types.ContentBlockMemberText).Value
	var norm normalization
	if err := json.Unmarshal([]byte(text), &norm); err != nil {
		t.Fatalf("not JSON: %s", text)
	}
	u := out.Usage
	if out.StopReason != types.StopReasonEndTurn || *u.TotalTokens != *u.InputTokens+*u.OutputTokens ||
		*u.OutputTokens < answerMinTokens || *out.Metrics.LatencyMs < 1500 {
		t.Fatalf("stop %s usage %d/%d/%d latency %d", out.StopReason, *u.InputTokens, *u.OutputTokens, *u.TotalTokens, *out.Metrics.LatencyMs)
	}
	in := converseInput(id, prompt, nil)
	ct, err := c.CountTokens(context.Background(), &bedrockruntime.CountTokensInput{
		ModelId: aws.String(id),
		Input:   &types.CountTokensInputMemberConverse{Value: types.ConverseTokensRequest{Messages: in.Messages, System: in.System}},
	})
	if err != nil {
		t.Fatalf("CountTokens: %v", err)
	}
	if *ct.InputTokens != *u.InputTokens {
		t.Fatalf("count-tokens %d, converse charged %d", *ct.InputTokens, *u.InputTokens)
	}
	// Without maxTokens the model maximum is reserved.
	if _, err := c.Converse(context.Background(), in); err != nil {
		t.Fatalf("Converse without maxTokens: %v", err)
	}
	st := s.Stats().Models[id]
	want := int64(2*(*u.InputTokens)) + 1000 + DefaultModelMaxTokens
	if st.TokensReserved != want {
		t.Fatalf("reserved %d, want %d", st.TokensReserved, want)
	}
}

func TestConverseTruncates(t *testing.T) {
	s := mustNew(t, WithLatency(Latency{}))
	c := newTestServer(t, s)
	out, err := c.Converse(context.Background(), converseInput(sonnet, sampleItems(t)[0].prompt(), aws.Int32(10)))
	if err != nil {
		t.Fatal(err)
	}
	if out.StopReason != types.StopReasonMaxTokens || *out.Usage.OutputTokens != 10 {
		t.Fatalf("stop %s, %d tokens", out.StopReason, *out.Usage.OutputTokens)
	}
}
