package testenv

import (
	"bytes"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/internal/app"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

// Pipeline builds a pipeline as cmd/ingest-normalize does (internal/app):
// counted DynamoDB client, lease manager (TTL 60 s, skew 5 s), shared
// budget on the emulator's quota, Bedrock client — over db and s3c (the
// fixture's clients when nil), with at most maxHolders invocations (0:
// unlimited) and opts after the fixture's own (clock, quiet logger).
func (f *Fixture) Pipeline(db pipeline.DynamoDB, s3c pipeline.S3, maxHolders int, opts ...pipeline.Option) *pipeline.Pipeline {
	f.T.Helper()
	if db == nil {
		db = f.DB
	}
	if s3c == nil {
		s3c = f.S3
	}
	cfg := app.Config{Table: f.Table, DataBucket: f.Bucket, ConfigBucket: f.Bucket, Env: pipeline.DefaultEnv,
		ModelID: Model, BedrockRegion: "eu-west-3", MaxTokens: bedrock.DefaultMaxTokens,
		RPM: float64(f.Quota.RPM), TPM: float64(f.Quota.TPM), BurstMS: 60_000, EnvCap: 1,
		MaxHolders: maxHolders, LeaseTTL: 60 * time.Second,
		WorkerCap: pipeline.DefaultWorkerCap, ClaimBatch: pipeline.DefaultBatchSize, DeadlineMargin: pipeline.DefaultDeadlineMargin,
		TimeScale: f.Clock.Scale, TimeEpoch: f.Clock.Epoch}
	a, err := app.New(cfg, app.Clients{DynamoDB: db, S3: s3c, Bedrock: f.API},
		app.WithLeaseOptions(lease.WithSkew(5*time.Second), lease.WithPoll(time.Second, 5*time.Second)),
		app.WithBedrockOptions(bedrock.WithBackoff(20*time.Millisecond, 200*time.Millisecond)),
		app.WithLogger(QuietLogger(f.T)), app.WithPipelineOptions(opts...))
	if err != nil {
		f.T.Fatal(err)
	}
	return a.Pipeline
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
