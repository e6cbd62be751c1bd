package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/vectora/ingest-normalize/internal/emf"
	"github.com/vectora/ingest-normalize/normalize"
)

// Handler serves invocations with one Pipeline built at start-up. It is
// safe for concurrent use (AWS_LAMBDA_MAX_CONCURRENCY > 1).
type Handler struct {
	pipeline *normalize.Pipeline
	log      *slog.Logger
	metrics  emf.Dimensions // ENV_NAME and BEDROCK_MODEL_ID, set by NewHandler
}

// Handle parses the event and runs it. An invalid event returns the
// field-by-field error of normalize.ParseEvent or Event.Validate and writes
// nothing.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (*normalize.Response, error) {
	name := "local"
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		name = lc.AwsRequestID
	}
	ev, err := normalize.ParseEvent(raw)
	if err != nil {
		h.log.Error("invalid event", "request_id", name, "error", err.Error())
		return nil, err
	}
	resp, err := h.pipeline.Run(ctx, ev, normalize.As(name))
	if err != nil {
		h.log.Error("invocation failed", "request_id", name, "error", err.Error())
	}
	if merr := emf.Write(os.Stdout, h.metrics, resp, time.Now()); merr != nil {
		h.log.Warn("metrics", "request_id", name, "error", merr.Error())
	}
	return resp, err
}
