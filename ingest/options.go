package ingest

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/lease/claim"
	"github.com/vectora/ingest-normalize/normalize/item"
)

// Defaults of an Ingester's options.
const (
	DefaultEnv       = "dev"
	DefaultTimeout   = 15 * time.Second // one HTTP attempt
	DefaultRetries   = 2                // attempts after the first
	DefaultBackoff   = 500 * time.Millisecond
	DefaultMaxBytes  = 8 << 20 // one response body, after decompression
	DefaultWorkers   = 4
	DefaultRetention = claim.DefaultRetention
	DefaultUserAgent = "vectora-ingest/1.0 (+https://github.com/vectora/ingest-normalize)"
)

// Option configures an Ingester; options are checked by New.
type Option func(*Ingester)

// WithEnv sets the environment name that keys the claims (default "dev").
func WithEnv(env string) Option { return func(g *Ingester) { g.env = env } }

// WithConfigBucket sets the bucket holding the catalog and the client files
// (default: the data bucket).
func WithConfigBucket(b string) Option { return func(g *Ingester) { g.configBucket = b } }

// WithHTTPClient sets the HTTP client (default: a client of its own).
func WithHTTPClient(c *http.Client) Option { return func(g *Ingester) { g.fetch.client = c } }

// WithTimeout sets the time limit of one HTTP attempt (default 15 s).
func WithTimeout(d time.Duration) Option { return func(g *Ingester) { g.fetch.timeout = d } }

// WithRetries sets how many times a failed fetch is tried again (network
// errors, timeouts, 429 and 5xx) and the first backoff, which doubles
// (default 2 and 500 ms).
func WithRetries(n int, backoff time.Duration) Option {
	return func(g *Ingester) { g.fetch.retries, g.fetch.backoff = n, backoff }
}

// WithMaxBytes sets the size cap of one response (default 8 MiB).
func WithMaxBytes(n int64) Option { return func(g *Ingester) { g.fetch.maxBytes = n } }

// WithWorkers sets how many sources one Run fetches at once (default 4).
func WithWorkers(n int) Option { return func(g *Ingester) { g.workers = n } }

// WithClock sets the clock of ingest dates and claims; give it the lease
// manager's clock.
func WithClock(c clock.Clock) Option { return func(g *Ingester) { g.clock = c } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(g *Ingester) { g.log = l } }

// WithRetention sets how long claims and validators stay in the table
// before DynamoDB's TTL may collect them (default 7 days).
func WithRetention(d time.Duration) Option { return func(g *Ingester) { g.retain = d } }

// WithUserAgent sets the User-Agent header of fetches.
func WithUserAgent(ua string) Option { return func(g *Ingester) { g.fetch.agent = ua } }

func (g *Ingester) validate() error {
	f := g.fetch
	switch {
	case g.db == nil || g.s3 == nil || g.leases == nil:
		return fmt.Errorf("%w: DynamoDB, S3 and lease manager are all required", ErrConfig)
	case g.table == "" || g.bucket == "" || g.configBucket == "":
		return fmt.Errorf("%w: table and buckets must not be empty", ErrConfig)
	case item.CheckSourceKey(g.env) != nil:
		return fmt.Errorf("%w: env %q: use letters, digits, '_', '-' or '.'", ErrConfig, g.env)
	case f.client == nil || f.timeout <= 0 || f.retries < 0 || f.retries > 10 || f.backoff < 0:
		return fmt.Errorf("%w: HTTP client, timeout > 0 and 0-10 retries with backoff >= 0 are required", ErrConfig)
	case f.maxBytes < 1 || f.maxBytes > item.MaxItemsFileBytes:
		return fmt.Errorf("%w: max bytes %d is not in 1..%d", ErrConfig, f.maxBytes, item.MaxItemsFileBytes)
	case g.workers < 1 || g.workers > 64:
		return fmt.Errorf("%w: workers %d is not in 1..64", ErrConfig, g.workers)
	case g.clock == nil || g.log == nil || g.retain <= 0:
		return fmt.Errorf("%w: clk, logger and a positive retention are required", ErrConfig)
	}
	return nil
}
