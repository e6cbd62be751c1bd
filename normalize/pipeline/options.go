package pipeline

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/lease/claim"
	"github.com/vectora/ingest-normalize/normalize/item"
)

// Defaults of a Pipeline's options.
const (
	DefaultEnv            = "dev"
	DefaultWorkerCap      = 8
	DefaultBatchSize      = 8
	DefaultDeadlineMargin = 20 * time.Second
	DefaultRetention      = claim.DefaultRetention
)

// Option configures a Pipeline; options are checked by New.
type Option func(*Pipeline)

// WithConfigBucket sets the bucket holding the canonical/ overrides
// (default: the data bucket).
func WithConfigBucket(b string) Option { return func(p *Pipeline) { p.configBucket = b } }

// WithEnv sets the environment name: the lease scope is
// "ingest-normalize/<env>" and run items are keyed by it (default "dev").
func WithEnv(env string) Option { return func(p *Pipeline) { p.env = env } }

// WithBudget sets the shared budget the model draws on, so that Run flushes
// its local pool when it ends.
func WithBudget(b Budget) Option { return func(p *Pipeline) { p.budget = b } }

// WithPause pauses the environment by configuration (a stack parameter):
// Run ends at once, claims nothing and reports reason, with every item
// remaining. An empty reason does nothing.
func WithPause(reason string) Option { return func(p *Pipeline) { p.pause = reason } }

// WithWorkerCap sets the most concurrent Bedrock calls of one Run
// (default 8).
func WithWorkerCap(n int) Option { return func(p *Pipeline) { p.workerCap = n } }

// WithBatchSize sets how many items one claim takes (default 8).
func WithBatchSize(n int) Option { return func(p *Pipeline) { p.batchSize = n } }

// WithDeadlineMargin sets the time, on the pipeline's clock, before the
// context's deadline at which Run stops claiming (default 20 s).
func WithDeadlineMargin(d time.Duration) Option { return func(p *Pipeline) { p.margin = d } }

// WithClock sets the clock of leases, records and deadlines; a
// clock.Scaled makes the deadline margin shrink with its scale.
func WithClock(c clock.Clock) Option { return func(p *Pipeline) { p.clock = c } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(p *Pipeline) { p.log = l } }

// WithRetention sets how long run items stay in the table before DynamoDB's
// TTL may collect them (default 7 days).
func WithRetention(d time.Duration) Option { return func(p *Pipeline) { p.retain = d } }

// ConfigError reports an invalid Pipeline setting; Field names it.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("normalize: setting %s: %s", e.Field, e.Reason)
}

func (p *Pipeline) validate() error {
	switch {
	case p.db == nil || p.s3 == nil || p.leases == nil || p.model == nil:
		return &ConfigError{"clients", "DynamoDB, S3, lease manager and model are all required"}
	case p.table == "":
		return &ConfigError{"table", "empty"}
	case p.bucket == "":
		return &ConfigError{"bucket", "empty"}
	case item.CheckSourceKey(p.env) != nil:
		return &ConfigError{"env", fmt.Sprintf("%q: use letters, digits, '_', '-' or '.'", p.env)}
	case p.workerCap < 1 || p.workerCap > 256:
		return &ConfigError{"worker cap", fmt.Sprintf("%d is not in 1..256", p.workerCap)}
	case p.batchSize < 1 || p.batchSize > 100:
		return &ConfigError{"batch size", fmt.Sprintf("%d is not in 1..100", p.batchSize)}
	case p.margin < 0:
		return &ConfigError{"deadline margin", "negative"}
	case p.retain < time.Hour:
		return &ConfigError{"retention", "shorter than an hour"}
	}
	return nil
}
