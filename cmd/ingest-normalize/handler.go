package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/vectora/ingest-normalize/ingest"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/emf"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/normalize/item"
	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

// Handler serves invocations with one Pipeline and one Ingester built at
// start-up. It is safe for concurrent use (AWS_LAMBDA_MAX_CONCURRENCY > 1).
type Handler struct {
	pipeline *pipeline.Pipeline
	ingester *ingest.Ingester
	fetchers *lease.Manager // leases of the ingestion scope, ingest/<env>
	clock    clock.Clock    // the process's clock: the invocation time events are validated against
	log      *slog.Logger
	metrics  emf.Dimensions // ENV_NAME and BEDROCK_MODEL_ID, set by NewHandler
}

// Response is what an invocation returns: the normalization's figures and,
// when the invocation ingested, the ingestion's report.
type Response struct {
	*pipeline.Response
	Ingest *ingest.Report `json:"ingest,omitempty"`
}

// Invoke is Handle as the Lambda runtime calls it: a failure is reported
// with its stable errorType (ErrorType) and its message.
func (h *Handler) Invoke(ctx context.Context, raw json.RawMessage) (*Response, error) {
	out, err := h.Handle(ctx, raw)
	return out, invokeError(err)
}

// Handle parses and validates the event, then runs it. An invalid event
// returns the *item.FieldError of every wrong field (item.DecodeEvent)
// before anything is written: no lease is taken, ingestion's included.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (*Response, error) {
	name := "local"
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		name = lc.AwsRequestID
	}
	ev, err := item.DecodeEvent(raw, h.clock.Now())
	if err != nil {
		h.log.Error("invalid event", "request_id", name, "error_type", ErrorType(err), "error", err.Error())
		return nil, err
	}
	out := &Response{}
	if out.Ingest, err = h.ingest(ctx, ev, name); err != nil {
		h.log.Error("ingestion failed", "request_id", name, "error_type", ErrorType(err), "error", err.Error())
		return out, err
	}
	if !ev.Normalizes() {
		return out, nil
	}
	out.Response, err = h.pipeline.Run(ctx, ev, pipeline.As(name))
	if err != nil {
		h.log.Error("invocation failed", "request_id", name, "error_type", ErrorType(err), "error", err.Error())
	}
	if merr := emf.Write(os.Stdout, h.metrics, out.Response, time.Now()); merr != nil {
		h.log.Warn("metrics", "request_id", name, "error", merr.Error())
	}
	return out, err
}

// ingest fetches the client's sources when the event asks for it, or, when
// it leaves the mode open, when the client has a configuration. It runs
// under its own lease scope: fetching is cheap and not coordinated by the
// Bedrock budget, but two invocations must not fetch a source twice.
func (h *Handler) ingest(ctx context.Context, ev item.Event, name string) (*ingest.Report, error) {
	if !ev.Ingests() || ev.DryRun {
		return nil, nil
	}
	if ev.Mode == "" {
		if ok, err := h.ingester.Configured(ctx, ev); err != nil || !ok {
			return nil, err
		}
	} else if err := h.ingester.Check(ctx, ev); err != nil {
		return nil, err // before the lease: a missing configuration writes nothing either
	}
	l, err := h.fetchers.Acquire(ctx, h.ingester.Scope(), lease.As(name))
	if err != nil {
		return nil, err
	}
	defer l.Release(context.WithoutCancel(ctx))
	return h.ingester.Run(ctx, l, ev)
}
