package bedrock

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// converseMessages returns the Converse system blocks and messages for p,
// with a cache point after the system text when the Client caches prompts.
func (c *Client) converseMessages(p Prompt) ([]types.SystemContentBlock, []types.Message) {
	var system []types.SystemContentBlock
	if p.System != "" {
		system = []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: p.System}}
	}
	if p.System != "" && c.cfg.caching {
		cp := types.CachePointBlock{Type: types.CachePointTypeDefault, Ttl: types.CacheTTL(c.cfg.cacheTTL)}
		system = append(system, &types.SystemContentBlockMemberCachePoint{Value: cp})
	}
	msgs := []types.Message{{
		Role:    types.ConversationRoleUser,
		Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: p.User}},
	}}
	return system, msgs
}

// converse calls Converse once and reads text, stop reason and usage.
func (k *call) converse(ctx context.Context) (reply, error) {
	system, msgs := k.converseMessages(k.prompt)
	out, err := k.api.Converse(ctx, &bedrockruntime.ConverseInput{
		ModelId:  aws.String(k.modelID),
		System:   system,
		Messages: msgs,
		InferenceConfig: &types.InferenceConfiguration{
			MaxTokens:   aws.Int32(int32(k.cfg.maxTokens)),
			Temperature: aws.Float32(float32(k.cfg.temperature)),
		},
	}, k.sdkOptions()...)
	if err != nil {
		return reply{}, err
	}
	rep := reply{text: converseText(out.Output), stop: string(out.StopReason)}
	if u := out.Usage; u != nil && u.InputTokens != nil && u.OutputTokens != nil {
		rep.usage, rep.input, rep.output = true, int64(*u.InputTokens), int64(*u.OutputTokens)
		rep.cacheRead, rep.cacheWrite = int64(aws.ToInt32(u.CacheReadInputTokens)), int64(aws.ToInt32(u.CacheWriteInputTokens))
	}
	return rep, nil
}

// converseText joins the text blocks of a Converse answer.
func converseText(o types.ConverseOutput) string {
	m, ok := o.(*types.ConverseOutputMemberMessage)
	if !ok {
		return ""
	}
	var sb strings.Builder
	for _, b := range m.Value.Content {
		if t, ok := b.(*types.ContentBlockMemberText); ok {
			sb.WriteString(t.Value)
		}
	}
	return sb.String()
}
