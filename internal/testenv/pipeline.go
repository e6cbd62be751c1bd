package testenv

import (
	"bytes"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/lease/budget"
	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

// Pipeline builds a pipeline as cmd/ingest-normalize does — counted
// DynamoDB client, lease manager (TTL 60 s, skew 5 s), shared budget on
// the emulator's quota, Bedrock client — over db and s3c (the fixture's
// clients when nil), with at most maxHolders invocations (0: unlimited)
// and opts after the fixture's own (budget, clock, quiet logger).
func (f *Fixture) Pipeline(db pipeline.DynamoDB, s3c pipeline.S3, maxHolders int, opts ...pipeline.Option) *pipeline.Pipeline {
	f.T.Helper()
	if db == nil {
		db = f.DB
	}
	if s3c == nil {
		s3c = f.S3
	}
	db = pipeline.Counting(db)
	m, err := lease.NewManager(db, f.Table, lease.WithMaxHolders(maxHolders), lease.WithTTL(60*time.Second), lease.WithSkew(5*time.Second),
		lease.WithClock(f.Clock), lease.WithPoll(time.Second, 5*time.Second))
	if err != nil {
		f.T.Fatal(err)
	}
	b, err := budget.New(db, f.Table, "eu-west-3/"+Model, "test", budget.WithClock(f.Clock),
		budget.WithLimits(budget.Limits{RPM: float64(f.Quota.RPM), TPM: float64(f.Quota.TPM), Burst: 60_000}),
		budget.WithEnvLimit(budget.EnvLimit{Cap: 1}))
	if err != nil {
		f.T.Fatal(err)
	}
	c, err := bedrock.New(f.API, Model, b, bedrock.WithBackoff(20*time.Millisecond, 200*time.Millisecond))
	if err != nil {
		f.T.Fatal(err)
	}
	opts = append([]pipeline.Option{pipeline.WithBudget(b), pipeline.WithClock(f.Clock), pipeline.WithLogger(QuietLogger(f.T))}, opts...)
	p, err := pipeline.New(db, s3c, m, c, f.Table, f.Bucket, opts...)
	if err != nil {
		f.T.Fatal(err)
	}
	return p
}

// QuietLogger logs warnings to the test log with -v, and nothing without.
func QuietLogger(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	return slog.New(slog.NewJSONHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Log(string(bytes.TrimSpace(b)))
	return len(b), nil
}
