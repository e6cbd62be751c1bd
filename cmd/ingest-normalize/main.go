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
	"github.com/vectora/ingest-normalize/internal/app"
	"github.com/vectora/ingest-normalize/internal/emf"
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
	lambda.Start(h.Invoke)
}

// NewHandler builds the process's parts (internal/app) on the SDK clients
// of the standard SDK configuration, once per process. localDynamoDB turns
// off response checksum validation, which local DynamoDB servers do not
// support.
func NewHandler(ctx context.Context, cfg app.Config, log *slog.Logger, localDynamoDB bool) (*Handler, error) {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	a, err := app.New(cfg, app.NewClients(awsCfg, cfg, localDynamoDB), app.WithLogger(log))
	if err != nil {
		return nil, err
	}
	return newHandler(a, log), nil
}

// newHandler is the Handler of an App.
func newHandler(a *app.App, log *slog.Logger) *Handler {
	return &Handler{pipeline: a.Pipeline, ingester: a.Ingester, fetchers: a.Fetchers, clock: a.Config.Clock(), log: log,
		metrics: emf.Dimensions{Environment: a.Config.Env, Model: a.Config.ModelID}}
}
