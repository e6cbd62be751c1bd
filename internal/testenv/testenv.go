// Package testenv is the bench of the integration tests of the claims and
// the pipeline (package claim's, package pipeline's and the chaos
// suite's): the local servers, a Fixture per test (coordination table,
// data bucket, Bedrock emulator, scaled clock), a DynamoDB of one test's
// own behind a fault proxy (FaultDB, for the chaos and fault proxy
// suites), pipelines built as cmd/ingest-normalize builds them, and
// readers of what they left behind.
// Real SDK clients talk to real local servers throughout. Only tests
// import it.
package testenv

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/ddbtest"
	"github.com/vectora/ingest-normalize/internal/localaws"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

// Model is the model the fixtures' emulator serves and their pipelines
// call.
const Model = "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"

var (
	servers   sync.Once
	sharedDB  *dynamodb.Client
	sharedS3  *s3.Client
	fixtureID atomic.Int64
)

// Servers returns clients of the test process's DynamoDB and S3 servers,
// started once: in-process minidyn and gofakes3, or the servers that
// AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_S3 name (moto in CI).
func Servers() (*dynamodb.Client, *s3.Client) {
	servers.Do(func() {
		var err error
		if sharedDB, sharedS3, _, err = localaws.Clients(context.Background()); err != nil {
			panic(err)
		}
	})
	return sharedDB, sharedS3
}

// NewTable creates a fresh coordination table on db and returns its name.
func NewTable(t testing.TB, db lease.TableAdmin) string {
	t.Helper()
	return ddbtest.Table(t, db, "coord")
}

// Config describes a Fixture; zero fields take the defaults.
type Config struct {
	DB     pipeline.DynamoDB // the pipelines' client (default: Servers'), e.g. behind a fault proxy
	Direct *dynamodb.Client  // the observer's client, straight to the server (default: Servers')
	Table  string            // an existing coordination table (default: a fresh one)
	Scale  float64           // how much faster than the wall the clocks run (default: see DefaultScale)
	Quota  emulator.Quota    // the emulator's quota of Model (default 200 RPM, 200,000 TPM)
	Seed   uint64            // the emulator's seed (default 7)
	// Emulator options, applied after the fixture's own.
	Emulator []emulator.Option
}

// Fixture is one test's table, bucket, Bedrock emulator and clock.
type Fixture struct {
	T      testing.TB
	DB     pipeline.DynamoDB
	Direct *dynamodb.Client
	S3     *s3.Client
	Table  string
	Bucket string
	Emu    *emulator.Server
	API    *bedrockruntime.Client // a Bedrock runtime client of the emulator
	Clock  clock.Scaled
	Quota  emulator.Quota
}

// New starts a Fixture: it creates the table (unless cfg names one) and
// the bucket, and serves an emulator whose first token comes after 500 ms
// on the fixture's clock.
func New(t testing.TB, cfg Config) *Fixture {
	t.Helper()
	db, s3c := Servers()
	cfg = withDefaults(cfg, db)
	id := fmt.Sprintf("%d-%d", time.Now().UnixNano()%1e9, fixtureID.Add(1))
	f := &Fixture{T: t, DB: cfg.DB, Direct: cfg.Direct, S3: s3c, Table: cfg.Table, Bucket: "data-" + id,
		Clock: clock.Scaled{Epoch: time.Now(), Scale: cfg.Scale}, Quota: cfg.Quota}
	ctx := context.Background()
	if f.Table == "" {
		f.Table = NewTable(t, f.Direct)
	}
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(f.Bucket)}); err != nil {
		t.Fatal(err)
	}
	f.startEmulator(cfg)
	return f
}

func withDefaults(cfg Config, db *dynamodb.Client) Config {
	if cfg.DB == nil {
		cfg.DB = db
	}
	if cfg.Direct == nil {
		cfg.Direct = db
	}
	if cfg.Scale == 0 {
		cfg.Scale = DefaultScale()
	}
	if cfg.Quota == (emulator.Quota{}) {
		cfg.Quota = emulator.Quota{RPM: 200, TPM: 200_000}
	}
	if cfg.Seed == 0 {
		cfg.Seed = 7
	}
	return cfg
}

// DefaultScale is how much faster than the wall a Fixture's clocks run:
// 100, or twice ddbtest.Scale when a slower server sets it lower (moto,
// a Python process whose answers take seconds when it shares two cores
// with another suite's): a lease's 60 s TTL must stay long against the
// server's round trip, as it is against DynamoDB's.
func DefaultScale() float64 {
	return min(100, 2*ddbtest.Scale())
}

func (f *Fixture) startEmulator(cfg Config) {
	lat := emulator.DefaultLatency()
	lat.FirstToken = emulator.Duration(500 * time.Millisecond)
	opts := append([]emulator.Option{emulator.WithTimeScale(cfg.Scale), emulator.WithModel(Model, f.Quota),
		emulator.WithLatency(lat), emulator.WithSeed(cfg.Seed)}, cfg.Emulator...)
	emu, err := emulator.New(opts...)
	if err != nil {
		f.T.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	f.T.Cleanup(srv.Close)
	f.Emu = emu
	f.API = bedrockruntime.NewFromConfig(aws.Config{Region: "eu-west-3",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")},
		func(o *bedrockruntime.Options) { o.BaseEndpoint = aws.String(srv.URL) })
}

// Stats returns the emulator's counters of Model.
func (f *Fixture) Stats() emulator.ModelStats { return f.Emu.Stats().Models[Model] }

// Wall converts a duration of the fixture's clock to wall time.
func (f *Fixture) Wall(d time.Duration) time.Duration { return clock.Wall(f.Clock, d) }

// Context returns a context that ends after d of wall time or with the
// test.
func (f *Fixture) Context(d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	f.T.Cleanup(cancel)
	return ctx
}
