package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/internal/localaws"
	"github.com/vectora/ingest-normalize/internal/sample"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/normalize"
	"github.com/vectora/ingest-normalize/normalize/item"
)

// ModelID is the model the benchmark calls (burndown 5).
const ModelID = "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"

// env holds the servers and clients shared by every scenario of a suite.
type env struct {
	cfg     Config
	aws     aws.Config
	db      *dynamodb.Client
	s3      *s3.Client
	emu     *emulator.Server
	emuURL  string
	stop    []func()
	items   []benchItem
	sample  []item.Raw
	scenNum atomic.Int64
}

// benchItem is one item with the prompt every strategy sends for it.
type benchItem struct {
	raw    item.Raw
	prompt bedrock.Prompt
}

func newEnv(ctx context.Context, cfg Config) (*env, error) {
	e := &env{cfg: cfg}
	awsCfg, err := localaws.Config(ctx)
	if err != nil {
		return nil, err
	}
	e.aws = awsCfg
	dbURL, stopDB := localaws.Endpoint("AWS_ENDPOINT_URL_DYNAMODB", localaws.DynamoDBHandler)
	s3URL, stopS3 := localaws.Endpoint("AWS_ENDPOINT_URL_S3", localaws.S3Handler)
	e.stop = append(e.stop, stopDB, stopS3)
	e.db, e.s3 = localaws.DynamoDB(awsCfg, dbURL), localaws.S3(awsCfg, s3URL)
	e.emu, err = emulator.New(emulator.WithModel(ModelID, cfg.Quota), emulator.WithTimeScale(cfg.Scale), emulator.WithSeed(7))
	if err != nil {
		return nil, err
	}
	srv := httptest.NewServer(e.emu)
	e.stop = append(e.stop, srv.Close)
	e.emuURL = srv.URL
	return e, e.loadItems(cfg.Items)
}

func (e *env) close() {
	for _, f := range e.stop {
		f()
	}
}

// loadItems keeps the items the Lambda accepts and builds their prompts.
func (e *env) loadItems(items []item.Raw) error {
	sel, _ := sample.Select(items, e.cfg.MaxItems)
	data, err := json.Marshal(sel)
	if err != nil {
		return err
	}
	raw, bad, err := item.ParseItems(data)
	if err != nil || len(bad) > 0 {
		return fmt.Errorf("bench: items: %v %v", err, bad)
	}
	canon, err := normalize.LoadCanonical(nil)
	if err != nil {
		return err
	}
	e.sample = sel
	for _, it := range raw {
		p := normalize.BuildPrompt(it, canon)
		e.items = append(e.items, benchItem{raw: it, prompt: bedrock.Prompt{System: p.System, User: p.User}})
	}
	if len(e.items) == 0 {
		return fmt.Errorf("bench: no usable items")
	}
	return nil
}

// runtime returns a Bedrock runtime client of its own, as each Lambda
// has. The SDK's standard retryer is kept (the seed ran on it) with its
// backoff waits shortened by the time scale, so that they last what they
// would on the emulated clock.
func (e *env) runtime() *bedrockruntime.Client {
	return bedrockruntime.NewFromConfig(e.aws, func(o *bedrockruntime.Options) {
		o.Region = "eu-west-3"
		o.BaseEndpoint = aws.String(e.emuURL)
		o.Retryer = awsretry.NewStandard(func(so *awsretry.StandardOptions) {
			so.Backoff = scaledBackoff{awsretry.NewExponentialJitterBackoff(awsretry.DefaultMaxBackoff), e.cfg.Scale}
		})
	})
}

// scaledBackoff divides the SDK's backoff waits by the time scale.
type scaledBackoff struct {
	inner awsretry.BackoffDelayer
	scale float64
}

func (b scaledBackoff) BackoffDelay(attempt int, err error) (time.Duration, error) {
	d, err := b.inner.BackoffDelay(attempt, err)
	return time.Duration(float64(d) / b.scale), err
}

// wall converts an emulated duration to wall time.
func (e *env) wall(d time.Duration) time.Duration { return time.Duration(float64(d) / e.cfg.Scale) }

// fresh returns a new coordination table and data bucket, seeded with the
// items, and the event that covers them.
func (e *env) fresh(ctx context.Context) (table, bucket string, ev item.Event, err error) {
	n := e.scenNum.Add(1)
	table, bucket = fmt.Sprintf("bench-coord-%d", n), fmt.Sprintf("bench-data-%d", n)
	if err = lease.CreateTable(ctx, e.db, table); err != nil {
		return
	}
	if _, err = e.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return
	}
	seeded, err := sample.Seed(ctx, e.s3, bucket, "bench", e.sample)
	if err != nil {
		return
	}
	ev = item.Event{ClientID: "bench", FromDate: seeded.From, ToDate: seeded.To}
	return
}
