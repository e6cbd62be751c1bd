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
	System           string             `json:"system,omitempty"`
	Messages         []anthropicMessage `json:"messages"`
}

type anthropicMessage struct {
	Role    string           `json:"role"`
	Content []anthropicBlock `json:"content"`
}

type anthropicBlock struct {
	Type string `json:"type"`
	Text string `json:"text,omitempty"`
}

// anthropicResponse is the part of an Anthropic InvokeModel answer the
// Client reads.
type anthropicResponse struct {
	Content    []anthropicBlock `json:"content"`
	StopReason string           `json:"stop_reason"`
	Usage      *struct {
		InputTokens  int64 `json:"input_tokens"`
		OutputTokens int64 `json:"output_tokens"`
	} `json:"usage"`
}

// reply is what one successful attempt returned.
type reply struct {
	text, stop    string
	usage         bool // input and output are known
	input, output int64
}

// invokeBody returns the Anthropic messages body for p.
func (c *Client) invokeBody(p Prompt) []byte {
	b, _ := json.Marshal(anthropicRequest{ // cannot fail: strings and numbers only
		AnthropicVersion: anthropicVersion,
		MaxTokens:        c.cfg.maxTokens,
		Temperature:      c.cfg.temperature,
		System:           p.System,
		Messages: []anthropicMessage{{
			Role:    "user",
			Content: []anthropicBlock{{Type: "text", Text: p.User}},
		}},
	})
	return b
}

// send makes one attempt with the configured operation.
func (k *call) send(ctx context.Context) (reply, error) {
	start := time.Now()
	defer func() { k.res.BedrockTime += time.Since(start) }()
	if k.cfg.op == Converse {
		return k.converse(ctx)
	}
	return k.invoke(ctx)
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
	if resp.Usage != nil {
		rep.usage, rep.input, rep.output = true, resp.Usage.InputTokens, resp.Usage.OutputTokens
	} else {
		rep.input, rep.output, rep.usage = headerUsage(out.ResultMetadata)
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
