package bench

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/vectora/ingest-normalize/bedrock"
	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

// Call is one Bedrock call as the benchmark saw it: who made it, for which
// item, when (wall offsets from the scenario's start) and what it cost.
type Call struct {
	Inv         int
	Item        string
	Start, End  time.Duration
	OK          bool
	Cancelled   bool // the scenario's time cap ended it: neither success nor failure
	Attempts    int
	Throttles   int
	Settled     int64
	Latency     time.Duration // the whole call: budget waits and retries included
	BedrockTime time.Duration
}

// recorder collects Calls from every invocation of a scenario. It is safe
// for concurrent use.
type recorder struct {
	start time.Time
	items map[string]string // user prompt → item id
	mu    sync.Mutex
	calls []Call
}

func newRecorder(items []benchItem) *recorder {
	r := &recorder{start: time.Now(), items: make(map[string]string, len(items))}
	for _, it := range items {
		r.items[it.prompt.User] = it.raw.ItemID
	}
	return r
}

// call runs m.Call for invocation inv and records it.
func (r *recorder) call(ctx context.Context, inv int, m pipeline.Model, p bedrock.Prompt) (*bedrock.Result, error) {
	begin := time.Now()
	res, err := m.Call(ctx, p)
	c := Call{Inv: inv, Item: r.items[p.User], Start: begin.Sub(r.start), End: time.Since(r.start)}
	if c.Item == "" {
		c.Item = "?" + p.User[:min(len(p.User), 40)]
	}
	var ce *bedrock.CallError
	switch {
	case err == nil:
		c.OK, c.Attempts, c.Throttles = true, res.Attempts, res.Throttles
		c.Settled, c.Latency, c.BedrockTime = res.Usage.SettledTokens, res.Latency, res.BedrockTime
	case errors.As(err, &ce):
		c.Attempts, c.Throttles, c.Latency, c.BedrockTime = ce.Attempts, ce.Throttles, ce.Latency, ce.BedrockTime
	}
	c.Cancelled = err != nil && ctx.Err() != nil
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	return res, err
}

func (r *recorder) snapshot() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}

// recModel is the Model a coordinated invocation's pipeline calls: the real
// Client, recorded.
type recModel struct {
	inner pipeline.Model
	rec   *recorder
	inv   int
}

func (m recModel) Call(ctx context.Context, p bedrock.Prompt) (*bedrock.Result, error) {
	return m.rec.call(ctx, m.inv, m.inner, p)
}

func (m recModel) ModelID() string { return m.inner.ModelID() }

var _ pipeline.Model = recModel{}
