package pipeline_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/internal/localaws"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/normalize/item"
	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

// ExamplePipeline_Run normalizes two items against in-process servers: a
// local DynamoDB, a local S3 and the Bedrock emulator.
func ExamplePipeline_Run() {
	ctx := context.Background()
	raw, s3c, stop, err := localaws.Clients(ctx)
	if err != nil {
		panic(err)
	}
	defer stop()
	emu, _ := emulator.New(emulator.WithTimeScale(1000))
	bedrockSrv := httptest.NewServer(emu)
	defer bedrockSrv.Close()

	_ = lease.CreateTable(ctx, raw, "example")
	db := pipeline.Counting(raw) // counts lease and claim requests per Run
	_, _ = s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("data")})
	_, _ = s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String("ingested/acme/2025/12/15/items.json"),
		Body: strings.NewReader(`[{"item_id":"a","source_key":"wire","title":"Acme Pharma starts a trial","content":"Acme Pharma dosed a patient."},
{"item_id":"b","source_key":"wire","title":"","content":""}]`)})

	leases, _ := lease.NewManager(db, "example")
	cfg, _ := localaws.Config(ctx)
	rt := bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) { o.BaseEndpoint = aws.String(bedrockSrv.URL) })
	model, _ := bedrock.New(rt, "eu.anthropic.claude-sonnet-4-5-20250929-v1:0", bedrock.Unlimited)
	p, err := pipeline.New(db, s3c, leases, model, "example", "data",
		pipeline.WithLogger(slog.New(slog.NewJSONHandler(io.Discard, nil))))
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	resp, err := p.Run(ctx, item.Event{ClientID: "acme", FromDate: "2025-12-15", ToDate: "2025-12-15"})
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Counts.OK, "ok,", resp.Counts.Fallback, "fallback,", resp.Outputs.Count, "objects written")
	// Output: 1 ok, 1 fallback, 3 objects written
}
