package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/lease/claim"
	"github.com/vectora/ingest-normalize/normalize/item"
)

// DynamoDB is the part of the DynamoDB API the Ingester calls: the
// claims' and the validators'. *dynamodb.Client satisfies it.
type DynamoDB interface {
	claim.DynamoDB
}

// S3 is the part of the S3 API the Ingester calls. *s3.Client satisfies it.
type S3 interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

var (
	_ DynamoDB = (*dynamodb.Client)(nil)
	_ S3       = (*s3.Client)(nil)
)

// Ingester fetches the sources of an event and writes their raw items to
// the data bucket, sharing the sources between concurrent invocations
// through claims in the coordination table. It is safe for concurrent use;
// one Ingester serves every invocation of a process.
type Ingester struct {
	db           DynamoDB
	s3           S3
	leases       *lease.Manager
	table        string
	bucket       string
	configBucket string
	env          string
	fetch        fetcher
	workers      int
	clock        clock.Clock
	log          *slog.Logger
	retain       time.Duration
}

// New returns an Ingester over the coordination table and the data bucket.
// leases is the manager whose leases Run is given; it is used to tell
// whether the holder of a claim is still alive.
func New(db DynamoDB, s3 S3, leases *lease.Manager, table, bucket string, opts ...Option) (*Ingester, error) {
	g := &Ingester{db: db, s3: s3, leases: leases, table: table, bucket: bucket, env: DefaultEnv,
		fetch: fetcher{client: &http.Client{}, timeout: DefaultTimeout, retries: DefaultRetries,
			backoff: DefaultBackoff, maxBytes: DefaultMaxBytes, agent: DefaultUserAgent},
		workers: DefaultWorkers, clock: clock.System, log: slog.Default(), retain: DefaultRetention}
	for _, o := range opts {
		o(g)
	}
	if g.configBucket == "" {
		g.configBucket = bucket
	}
	if err := g.validate(); err != nil {
		return nil, err
	}
	return g, nil
}

// Scope returns the lease scope meant for ingestion, "ingest/<env>": a
// scope of its own, since fetching does not draw on the Bedrock budget.
func (g *Ingester) Scope() string { return "ingest/" + g.env }

// Report says what a Run did: one SourceResult per selected source, one
// DayResult per day file written.
type Report struct {
	ClientID    string         `json:"client_id"`
	From        string         `json:"from"`
	To          string         `json:"to"`
	Ingested    int            `json:"ingested"`     // sources fetched and written
	NotModified int            `json:"not_modified"` // sources answering 304
	Skipped     int            `json:"skipped"`      // done or held by another invocation, or disabled
	Failed      int            `json:"failed"`       // timeout, HTTP error, invalid feed, …
	Items       int            `json:"items"`        // items added or replaced in day files
	Duplicates  int            `json:"duplicates"`   // same content as an item of another source
	Requests    int            `json:"requests"`     // HTTP requests sent
	Sources     []SourceResult `json:"sources"`
	Days        []DayResult    `json:"days,omitempty"`
}

// Source states in a SourceResult.
const (
	StateIngested    = "ingested"
	StateNotModified = "not_modified"
	StateSkipped     = "skipped"
	StateFailed      = "failed"
)

// SourceResult is what happened to one source.
type SourceResult struct {
	SourceKey string `json:"source_key"`
	State     string `json:"state"`
	Reason    string `json:"reason,omitempty"`
	Items     int    `json:"items"` // items of the window kept for writing
	tally
}

// Run ingests the sources of ev for its window under l, a lease the caller
// acquired (normally on Scope) and releases. It reads the catalog and the
// client file from the config bucket, fetches the selected sources a few at
// a time — each claimed first, so that concurrent invocations fetch each
// (source, window) once — and merges the items into the day files. A source
// that fails is logged and counted and the others go on. Run returns an
// error for an invalid event or configuration, a lost lease or a day file
// that could not be written; the Report is returned with it when there is
// one. ev.ForceReprocess fetches sources already done for the window, in
// full.
func (g *Ingester) Run(ctx context.Context, l *lease.Lease, ev item.Event) (*Report, error) {
	now := g.clock.Now()
	if err := ev.Validate(now); err != nil {
		return nil, err
	}
	if l == nil || l.Err() != nil {
		return nil, fmt.Errorf("ingest: run: %w", lease.ErrNotHeld)
	}
	ctx, cancel := underLease(ctx, l)
	defer cancel()
	srcs, pre, err := g.sources(ctx, ev)
	if err != nil {
		return nil, err
	}
	r, err := g.newRun(l, ev, now)
	if err != nil {
		return nil, err
	}
	r.report.Sources = pre
	r.fetchAll(ctx, srcs)
	err = r.writeAll(ctx)
	r.finishAll(ctx)
	r.summarize()
	return &r.report, errors.Join(err, l.Err())
}

// underLease returns ctx, also cancelled when the lease is lost.
func underLease(ctx context.Context, l *lease.Lease) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(l.Context(), func() {
		if err := l.Err(); !errors.Is(err, lease.ErrReleased) {
			cancel(err)
		}
	})
	return ctx, func() { stop(); cancel(nil) }
}

// sources reads the catalog and the client's file and resolves the sources
// of ev.
func (g *Ingester) sources(ctx context.Context, ev item.Event) ([]Source, []SourceResult, error) {
	data, _, err := getObject(ctx, g.s3, g.configBucket, CatalogKey, MaxConfigBytes)
	if err != nil {
		return nil, nil, err
	}
	if data == nil {
		return nil, nil, fmt.Errorf("%w: s3://%s/%s is missing: upload the source catalog there (example: ingest/testdata/source_catalog.yaml), "+
			"or send \"mode\":\"normalize\" to normalize the items already under %s%s/", ErrConfig, g.configBucket, CatalogKey, item.IngestedPrefix, ev.ClientID)
	}
	cat, err := ParseCatalog(data)
	if err != nil {
		return nil, nil, err
	}
	cl := Client{ID: ev.ClientID}
	if len(ev.Sources) == 0 {
		if cl, err = g.client(ctx, ev.ClientID); err != nil {
			return nil, nil, err
		}
	}
	return cat.Resolve(cl, ev.Sources)
}

func (g *Ingester) client(ctx context.Context, id string) (Client, error) {
	key, err := ClientKey(id)
	if err != nil {
		return Client{}, err
	}
	data, _, err := getObject(ctx, g.s3, g.configBucket, key, MaxConfigBytes)
	switch {
	case err != nil:
		return Client{}, err
	case data == nil:
		return Client{}, fmt.Errorf("%w: s3://%s/%s is missing: upload the client's file there (example: ingest/testdata/clients/demo.yaml), "+
			"name the sources in the event, or send \"mode\":\"normalize\" to normalize the items already under %s%s/", ErrNoClient, g.configBucket, key, item.IngestedPrefix, id)
	}
	cl, err := ParseClient(data)
	if err == nil && cl.ID != id {
		err = fmt.Errorf("%w: %s names client_id %q", ErrConfig, key, cl.ID)
	}
	return cl, err
}

// Check reads the configuration Run would read for ev — the catalog and,
// unless ev names its sources, the client's file — and returns the error
// Run would return for it, without writing anything: the handler calls it
// before taking the ingestion lease.
func (g *Ingester) Check(ctx context.Context, ev item.Event) error {
	_, _, err := g.sources(ctx, ev)
	return err
}

// Configured reports whether ev can be ingested: the catalog exists and,
// unless ev names its sources, so does the client's file. The handler asks
// it when the event leaves the mode to the configuration.
func (g *Ingester) Configured(ctx context.Context, ev item.Event) (bool, error) {
	data, _, err := getObject(ctx, g.s3, g.configBucket, CatalogKey, MaxConfigBytes)
	if err != nil || data == nil || len(ev.Sources) > 0 {
		return err == nil && data != nil, err
	}
	key, err := ClientKey(ev.ClientID)
	if err != nil {
		return false, err
	}
	data, _, err = getObject(ctx, g.s3, g.configBucket, key, MaxConfigBytes)
	return err == nil && data != nil, err
}
