// Command ingest-normalize is the AWS Lambda that normalizes a client's
// ingested press items with Claude on Amazon Bedrock. Every setting comes
// from the environment (see Variables); endpoints only from the standard SDK
// variables (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3,
// AWS_ENDPOINT_URL_BEDROCK_RUNTIME). Build it for Lambda with
//
//	go build -tags lambda.norpc -o bootstrap ./cmd/ingest-normalize
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/ingest"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/emf"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/lease/budget"
	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

func main() {
	cfg, err := LoadConfig(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	h, err := NewHandler(context.Background(), cfg, log, os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") != "" || os.Getenv("AWS_ENDPOINT_URL") != "")
	if err != nil {
		log.Error("start-up failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

// NewHandler builds the SDK clients, the lease manager, the budget, the
// Bedrock client and the pipeline, once per process. localDynamoDB turns off
// response checksum validation, which local DynamoDB servers do not support.
func NewHandler(ctx context.Context, cfg Config, log *slog.Logger, localDynamoDB bool) (*Handler, error) {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	db := pipeline.Counting(dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		o.DisableValidateResponseChecksum = localDynamoDB
	}))
	s3c := s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.UsePathStyle = cfg.PathStyle })
	rt := bedrockruntime.NewFromConfig(awsCfg, func(o *bedrockruntime.Options) { o.Region = cfg.BedrockRegion })
	clk := clock.System
	if cfg.TimeScale != 1 {
		clk = clock.Scaled{Epoch: cfg.TimeEpoch, Scale: cfg.TimeScale}
	}
	leases, err := lease.NewManager(db, cfg.Table, lease.WithMaxHolders(cfg.MaxHolders), lease.WithTTL(cfg.LeaseTTL), lease.WithClock(clk))
	if err != nil {
		return nil, err
	}
	shared, err := budget.New(db, cfg.Table, cfg.BedrockRegion+"/"+cfg.ModelID, cfg.Env,
		budget.WithLimits(budget.Limits{RPM: cfg.RPM, TPM: cfg.TPM, Burst: cfg.BurstMS}),
		budget.WithEnvLimit(budget.EnvLimit{Cap: cfg.EnvCap, Priority: cfg.EnvPriority}), budget.WithClock(clk))
	if err != nil {
		return nil, err
	}
	model, err := bedrock.New(rt, cfg.ModelID, shared, bedrockOptions(cfg)...)
	if err != nil {
		return nil, err
	}
	p, err := pipeline.New(db, s3c, leases, model, cfg.Table, cfg.DataBucket,
		pipeline.WithConfigBucket(cfg.ConfigBucket), pipeline.WithEnv(cfg.Env), pipeline.WithBudget(shared),
		pipeline.WithWorkerCap(cfg.WorkerCap), pipeline.WithBatchSize(cfg.ClaimBatch),
		pipeline.WithDeadlineMargin(cfg.DeadlineMargin), pipeline.WithClock(clk), pipeline.WithLogger(log))
	if err != nil {
		return nil, err
	}
	fetchers, err := lease.NewManager(db, cfg.Table, lease.WithMaxHolders(0), lease.WithTTL(cfg.LeaseTTL), lease.WithClock(clk))
	if err != nil {
		return nil, err
	}
	ing, err := ingest.New(db, s3c, fetchers, cfg.Table, cfg.DataBucket, ingest.WithConfigBucket(cfg.ConfigBucket),
		ingest.WithEnv(cfg.Env), ingest.WithClock(clk), ingest.WithLogger(log))
	if err != nil {
		return nil, err
	}
	return &Handler{pipeline: p, ingester: ing, fetchers: fetchers, log: log,
		metrics: emf.Dimensions{Environment: cfg.Env, Model: cfg.ModelID}}, nil
}

func bedrockOptions(cfg Config) []bedrock.Option {
	opts := []bedrock.Option{bedrock.WithMaxTokens(cfg.MaxTokens)}
	if cfg.Burndown > 0 {
		opts = append(opts, bedrock.WithBurndown(cfg.Burndown))
	}
	if cfg.Converse {
		opts = append(opts, bedrock.WithOperation(bedrock.Converse))
	}
	return opts
}
