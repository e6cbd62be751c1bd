// Package emf writes the metrics of one ingest-normalize invocation as a
// CloudWatch Embedded Metric Format line: a JSON log line that CloudWatch
// Logs turns into metrics, with no API call from the Lambda.
//
// Namespace IngestNormalize, dimensions Environment and Model (the
// BEDROCK_MODEL_ID, as the alarms of infra/s1-runtime.yaml name it).
// Metrics, one value per invocation:
//
//	BedrockCalls      Count         calls made (successful or not)
//	BedrockThrottles  Count         429 answers from Bedrock
//	BedrockRetries    Count         attempts beyond the first of each call
//	TokensIn          Count         input tokens
//	TokensOut         Count         output tokens
//	TokensReserved    Count         quota tokens the calls reserved (input + max_tokens × burndown)
//	TokensSettled     Count         quota tokens they settled to (input + cache writes + output × burndown)
//	TokensCacheRead   Count         input tokens read from Bedrock's prompt cache (released at settlement)
//	TokensCacheWrite  Count         input tokens written to the prompt cache
//	CostMicroUSD      Count         estimated cost of the calls, in millionths of a dollar
//	SharedCalls       Count         items that took the answer of an identical prompt, no call made
//	BudgetWaitMs      Milliseconds  time spent waiting for the shared budget
//	LeaseWaitMs       Milliseconds  time spent waiting for the lease
//	LeaseLost         Count         1 when the lease was lost, else 0
//	ItemsOk           Count         records written normalized
//	ItemsFallback     Count         records written as fallback
//	ItemsFailed       Count         items without a usable record
//
// The run key is a property of the line (not a dimension), to find the
// invocation in the logs.
package emf

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"time"

	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

// Namespace is the CloudWatch namespace of every metric.
const Namespace = "IngestNormalize"

// Dimensions are the values of the metrics' dimensions.
type Dimensions struct {
	Environment string // ENV_NAME
	Model       string // BEDROCK_MODEL_ID
}

// ErrNoDimensions is returned by Write when a dimension is empty: the line
// would publish metrics that no alarm watches.
var ErrNoDimensions = errors.New("emf: Environment and Model dimensions must be set")

// metric is one metric of the line and how to read it from a Response.
type metric struct {
	name, unit string
	value      func(r *pipeline.Response) int64
}

var metrics = []metric{
	{"BedrockCalls", "Count", func(r *pipeline.Response) int64 { return int64(r.Bedrock.Calls) }},
	{"BedrockThrottles", "Count", func(r *pipeline.Response) int64 { return int64(r.Bedrock.Throttles) }},
	{"BedrockRetries", "Count", func(r *pipeline.Response) int64 { return int64(max(r.Bedrock.Attempts-r.Bedrock.Calls, 0)) }},
	{"TokensIn", "Count", func(r *pipeline.Response) int64 { return r.Bedrock.TokensIn }},
	{"TokensOut", "Count", func(r *pipeline.Response) int64 { return r.Bedrock.TokensOut }},
	{"TokensReserved", "Count", func(r *pipeline.Response) int64 { return r.Bedrock.TokensReserved }},
	{"TokensSettled", "Count", func(r *pipeline.Response) int64 { return r.Bedrock.TokensSettled }},
	{"TokensCacheRead", "Count", func(r *pipeline.Response) int64 { return r.Bedrock.TokensCacheRead }},
	{"TokensCacheWrite", "Count", func(r *pipeline.Response) int64 { return r.Bedrock.TokensCacheWrite }},
	{"CostMicroUSD", "Count", func(r *pipeline.Response) int64 { return int64(math.Round(r.Bedrock.CostUSD * 1e6)) }},
	{"SharedCalls", "Count", func(r *pipeline.Response) int64 { return int64(r.Bedrock.SharedCalls) }},
	{"BudgetWaitMs", "Milliseconds", func(r *pipeline.Response) int64 { return r.Bedrock.BudgetWaitMS }},
	{"LeaseWaitMs", "Milliseconds", func(r *pipeline.Response) int64 { return r.Lease.WaitMS }},
	{"LeaseLost", "Count", func(r *pipeline.Response) int64 { return lost(r) }},
	{"ItemsOk", "Count", func(r *pipeline.Response) int64 { return int64(r.Counts.OK) }},
	{"ItemsFallback", "Count", func(r *pipeline.Response) int64 { return int64(r.Counts.Fallback) }},
	{"ItemsFailed", "Count", func(r *pipeline.Response) int64 { return int64(r.Counts.Failed) }},
}

func lost(r *pipeline.Response) int64 {
	if r.Lease.Lost != "" {
		return 1
	}
	return 0
}

// Names lists the metric names, in the order of the line.
func Names() []string {
	out := make([]string, len(metrics))
	for i, m := range metrics {
		out[i] = m.name
	}
	return out
}

// Write writes one EMF line for r, timestamped at, to w in a single Write
// (so that concurrent invocations writing to one stdout do not interleave).
// A nil r (the invocation failed before running) writes nothing.
func Write(w io.Writer, d Dimensions, r *pipeline.Response, at time.Time) error {
	if r == nil {
		return nil
	}
	if d.Environment == "" || d.Model == "" {
		return ErrNoDimensions
	}
	line, err := Line(d, r, at)
	if err != nil {
		return err
	}
	_, err = w.Write(line)
	return err
}

// Line returns the EMF line for r, newline included. Keys come in a fixed
// order: _aws, the dimensions, run_key, then the metrics.
func Line(d Dimensions, r *pipeline.Response, at time.Time) ([]byte, error) {
	type def struct {
		Name string `json:"Name"`
		Unit string `json:"Unit"`
	}
	type directive struct {
		Namespace  string     `json:"Namespace"`
		Dimensions [][]string `json:"Dimensions"`
		Metrics    []def      `json:"Metrics"`
	}
	meta := struct {
		Timestamp         int64       `json:"Timestamp"`
		CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
	}{Timestamp: at.UnixMilli()}
	dir := directive{Namespace: Namespace, Dimensions: [][]string{{"Environment", "Model"}}}
	for _, m := range metrics {
		dir.Metrics = append(dir.Metrics, def{m.name, m.unit})
	}
	meta.CloudWatchMetrics = []directive{dir}
	buf, err := field([]byte(`{`), "_aws", meta)
	for _, kv := range [][2]string{{"Environment", d.Environment}, {"Model", d.Model}, {"run_key", r.RunKey}} {
		if err == nil {
			buf, err = field(append(buf, ','), kv[0], kv[1])
		}
	}
	for _, m := range metrics {
		if err == nil {
			buf, err = field(append(buf, ','), m.name, m.value(r))
		}
	}
	return append(buf, '}', '\n'), err
}

// field appends "key":value.
func field(buf []byte, key string, v any) ([]byte, error) {
	k, _ := json.Marshal(key)
	val, err := json.Marshal(v)
	if err != nil {
		return buf, err
	}
	buf = append(append(buf, k...), ':')
	return append(buf, val...), nil
}
