package app

import (
	"log/slog"

	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/lease/budget"
	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

// Option adjusts what New builds beyond the Config: what the benchmark
// and the tests observe or tune, never what the Lambda configures.
type Option func(*options)

type options struct {
	log      *slog.Logger
	model    func(pipeline.Model) pipeline.Model
	lease    []lease.Option
	budget   []budget.Option
	bedrock  []bedrock.Option
	pipeline []pipeline.Option
}

// WithLogger sets the logger of the pipeline and the ingester (default
// slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithModel wraps the Bedrock client the pipeline calls (the benchmark
// records each call).
func WithModel(wrap func(pipeline.Model) pipeline.Model) Option {
	return func(o *options) { o.model = wrap }
}

// WithLeaseOptions adds options to both lease managers, after the
// Config's.
func WithLeaseOptions(opts ...lease.Option) Option {
	return func(o *options) { o.lease = append(o.lease, opts...) }
}

// WithBudgetOptions adds options to the budget, after the Config's.
func WithBudgetOptions(opts ...budget.Option) Option {
	return func(o *options) { o.budget = append(o.budget, opts...) }
}

// WithBedrockOptions adds options to the Bedrock client, after the
// Config's.
func WithBedrockOptions(opts ...bedrock.Option) Option {
	return func(o *options) { o.bedrock = append(o.bedrock, opts...) }
}

// WithPipelineOptions adds options to the pipeline, after the Config's.
func WithPipelineOptions(opts ...pipeline.Option) Option {
	return func(o *options) { o.pipeline = append(o.pipeline, opts...) }
}
