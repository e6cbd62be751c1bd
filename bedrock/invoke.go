package bedrock

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
)

// anthropicVersion is the messages API version Bedrock expects.
const anthropicVersion = "bedrock-2023-05-31"

// anthropicRequest is the InvokeModel body of an Anthropic model.
type anthropicRequest struct {
	AnthropicVersion string             `json:"anthropic_version"`
	MaxTokens        int                `json:"max_tokens"`
	Temperature      float64            `json:"temperature"`
	System           any                `json:"system,omitempty"` // a string, or blocks with a checkpoint
	Messages         []anthropicMessage `json:"messages"`
}

type anthropicMessage struct {
	Role    string           `json:"role"`
	Content []anthropicBlock `json:"content"`
}

type anthropicBlock struct {
	Type         string        `json:"type"`
	Text         string        `json:"text,omitempty"`
	CacheControl *cacheControl `json:"cache_control,omitempty"`
}

// cacheControl is the Anthropic cache checkpoint on a block.
type cacheControl struct {
	Type string `json:"type"`          // "ephemeral"
	TTL  string `json:"ttl,omitempty"` // "" (5 minutes) or "1h"
}

// anthropicResponse is the part of an Anthropic InvokeModel answer the
// Client reads.
type anthropicResponse struct {
	Content    []anthropicBlock `json:"content"`
	StopReason string           `json:"stop_reason"`
	Usage      *struct {
		InputTokens              int64 `json:"input_tokens"`
		OutputTokens             int64 `json:"output_tokens"`
		CacheReadInputTokens     int64 `json:"cache_read_input_tokens"`
		CacheCreationInputTokens int64 `json:"cache_creation_input_tokens"`
	} `json:"usage"`
}

// reply is what one successful attempt returned.
type reply struct {
	text, stop    string
	usage         bool // input and output are known
	input, output int64
	// cacheRead and cacheWrite are the input read from and written to the
	// prompt cache; input excludes them.
	cacheRead, cacheWrite int64
}

// invokeBody returns the Anthropic messages body for p.
func (c *Client) invokeBody(p Prompt) []byte {
	b, _ := json.Marshal(anthropicRequest{ // cannot fail: strings and numbers only
		AnthropicVersion: anthropicVersion,
		MaxTokens:        c.cfg.maxTokens,
		Temperature:      c.cfg.temperature,
		System:           c.invokeSystem(p),
		Messages: []anthropicMessage{{
			Role:    "user",
			Content: []anthropicBlock{{Type: "text", Text: p.User}},
		}},
	})
	return b
}

// invokeSystem returns the system prompt of p: a plain string, or one text
// block with a cache checkpoint when the Client caches prompts.
func (c *Client) invokeSystem(p Prompt) any {
	if p.System == "" || !c.cfg.caching {
		return p.System
	}
	cc := &cacheControl{Type: "ephemeral", TTL: c.cfg.cacheTTL}
	return []anthropicBlock{{Type: "text", Text: p.System, CacheControl: cc}}
}

// send makes one attempt with the configured operation.
func (k *call) send(ctx context.Context) (reply, error) {
	start := time.Now()
	defer func() { k.res.BedrockTime += time.Since(start) }()
	send := k.invoke
	if k.cfg.op == Converse {
		send = k.converse
	}
	rep, err := send(ctx)
	if err == nil {
		k.recordCache(rep)
	}
	return rep, err
}

// recordCache puts the cache counts and the cost of a successful attempt
// in the call's usage; settle fills the rest.
func (k *call) recordCache(rep reply) {
	u := &k.res.Usage
	u.CacheReadInputTokens, u.CacheWriteInputTokens = rep.cacheRead, rep.cacheWrite
	u.CostUSD = 0
	if rep.usage {
		u.CostUSD = usage{input: rep.input, output: rep.output, cacheRead: rep.cacheRead, cacheWrite: rep.cacheWrite}.cost(k.cfg.priceOf)
	}
}

// invoke calls InvokeModel once and reads text, stop reason and usage from
// the body, or usage from the response headers when the body has none.
func (k *call) invoke(ctx context.Context) (reply, error) {
	out, err := k.api.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{
		ModelId:     aws.String(k.modelID),
		Body:        k.body,
		ContentType: aws.String("application/json"),
		Accept:      aws.String("application/json"),
	}, k.sdkOptions()...)
	if err != nil {
		return reply{}, err
	}
	var resp anthropicResponse
	if err := json.Unmarshal(out.Body, &resp); err != nil {
		return reply{}, fmt.Errorf("bedrock: reading InvokeModel answer: %w", err)
	}
	rep := reply{text: resp.text(), stop: resp.StopReason}
	if u := resp.Usage; u != nil {
		rep.usage, rep.input, rep.output = true, u.InputTokens, u.OutputTokens
		rep.cacheRead, rep.cacheWrite = u.CacheReadInputTokens, u.CacheCreationInputTokens
	} else if u, ok := headerUsage(out.ResultMetadata); ok {
		rep.usage, rep.input, rep.output, rep.cacheRead, rep.cacheWrite = true, u.input, u.output, u.cacheRead, u.cacheWrite
	}
	return rep, nil
}

// text joins the text blocks of r.
func (r *anthropicResponse) text() string {
	var sb strings.Builder
	for _, b := range r.Content {
		if b.Type == "text" {
			sb.WriteString(b.Text)
		}
	}
	return sb.String()
}
