package bedrock

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/vectora/ingest-normalize/bedrock/model"
)

// Runtime is the part of the Bedrock runtime API a Client uses.
// *bedrockruntime.Client implements it.
type Runtime interface {
	InvokeModel(ctx context.Context, in *bedrockruntime.InvokeModelInput, optFns ...func(*bedrockruntime.Options)) (*bedrockruntime.InvokeModelOutput, error)
	Converse(ctx context.Context, in *bedrockruntime.ConverseInput, optFns ...func(*bedrockruntime.Options)) (*bedrockruntime.ConverseOutput, error)
	CountTokens(ctx context.Context, in *bedrockruntime.CountTokensInput, optFns ...func(*bedrockruntime.Options)) (*bedrockruntime.CountTokensOutput, error)
}

var _ Runtime = (*bedrockruntime.Client)(nil)

// Client calls one Bedrock model within a Budget. It is safe for concurrent
// use.
type Client struct {
	api     Runtime
	modelID string
	budget  Budget
	cfg     config
	policy  policy
	noCount atomic.Bool // CountTokens refused the model: stop asking
}

// New returns a Client that calls modelID (a model id, an inference-profile
// id such as "eu.anthropic.claude-sonnet-4-…", or an ARN) through api, with
// every attempt admitted by budget (Unlimited for none).
//
// It fails when an option is out of range, or when the model's burndown
// factor is unknown and WithBurndown does not set it.
func New(api Runtime, modelID string, budget Budget, opts ...Option) (*Client, error) {
	if api == nil || modelID == "" || budget == nil {
		return nil, errors.New("bedrock: New needs an API client, a model id and a budget (bedrock.Unlimited for none)")
	}
	cfg := defaults()
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	f, err := model.Resolve(modelID, cfg.burndown, "bedrock.WithBurndown")
	if err != nil {
		return nil, fmt.Errorf("bedrock: %w", err)
	}
	cfg.burndown = f
	if err := cfg.resolveCache(modelID); err != nil {
		return nil, err
	}
	return &Client{api: api, modelID: modelID, budget: budget, cfg: cfg, policy: newPolicy(&cfg)}, nil
}

// ModelID returns the model or inference-profile id the Client calls.
func (c *Client) ModelID() string { return c.modelID }

// Burndown returns the output-token burndown factor the Client applies.
func (c *Client) Burndown() float64 { return c.cfg.burndown }
