package chaos

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/internal/faultproxy"
	"github.com/vectora/ingest-normalize/normalize"
	"github.com/vectora/ingest-normalize/normalize/item"
	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

// runUntilDone runs k concurrent invocations of ev, then single ones until
// a run says there is nothing left (a Lambda retried by its caller), at
// most rounds times. It returns the responses and the errors seen.
func runUntilDone(f *fixture, ev item.Event, k, rounds int, opts ...pipeline.Option) (resps []*pipeline.Response, errs []error) {
	var mu sync.Mutex
	for round := range rounds {
		var wg sync.WaitGroup
		for i := range k {
			p := f.Pipeline(nil, nil, 0, opts...)
			wg.Go(func() {
				r, err := p.Run(f.Context(60*time.Second), ev, pipeline.As(fmt.Sprintf("r%d-inv%d", round, i)))
				mu.Lock()
				defer mu.Unlock()
				resps = append(resps, r)
				if err != nil {
					errs = append(errs, err)
				}
			})
		}
		wg.Wait()
		if last := resps[len(resps)-1]; last != nil && strings.HasPrefix(last.Message, "nothing to do") {
			return resps, errs
		}
		k = 1
	}
	return resps, errs
}

// checkAllRecorded fails t unless every one of n items has exactly one
// record with a final status, and the fault figures to report.
func checkAllRecorded(t *testing.T, f *fixture, n int) map[string]any {
	t.Helper()
	recs, dup := f.Records("acme")
	status := map[normalize.Status]int{}
	for id, r := range recs {
		status[r.Status]++
		if r.Status != normalize.StatusOK && r.Reason == "" {
			t.Errorf("%s: status %s without a reason", id, r.Status)
		}
	}
	lost := n - len(recs)
	if lost != 0 || dup != 0 {
		t.Errorf("%d items, %d records: %d lost, %d with two records", n, len(recs), lost, dup)
	}
	if left := f.LeftHolders("ingest-normalize/dev"); left != 0 {
		t.Errorf("%d lease holders left", left)
	}
	return map[string]any{"items": n, "lost": lost, "duplicate_records": dup, "by_status": status}
}

// TestPipelineUnderDynamoDBFaults: three invocations over ~100 items with
// 5 % of DynamoDB requests failing: nothing lost, nothing recorded twice.
func TestPipelineUnderDynamoDBFaults(t *testing.T) {
	t.Parallel()
	n := pick(100, 200)
	f := newFixture(t, faultproxy.Uniform(0.05))
	ev := f.Seed(n, 5)
	resps, errs := runUntilDone(f, ev, pick(3, 10), 4, pipeline.WithBatchSize(5))
	for _, err := range errs {
		t.Logf("invocation error (retried): %v", err)
	}
	fig := checkAllRecorded(t, f, n)
	fig["invocations"], fig["invocation_errors"], fig["faults"] = len(resps), len(errs), f.st.Proxy.Stats()
	fig["model_calls"] = f.Stats().Completed
	Report(t, fig)
}

// TestPipelineUnderBedrockFaults: 10 % 5xx, 10 % malformed or fenced
// answers, some slow answers, and a third of the quota used by others:
// every item ends ok, fallback or failed with a reason; none is lost.
func TestPipelineUnderBedrockFaults(t *testing.T) {
	t.Parallel()
	n := pick(60, 200)
	f := newFixture(t, faultproxy.Rates{}, emulator.WithFaults(emulator.Faults{Unavailable: 0.05, Internal: 0.05,
		NotJSON: 0.05, Fenced: 0.05, Slow: 0.1, SlowFactor: 8, Background: 0.3}))
	ev := f.Seed(n, 3)
	resps, errs := runUntilDone(f, ev, pick(2, 5), 4, pipeline.WithBatchSize(5))
	for _, err := range errs {
		t.Errorf("invocation error: %v", err)
	}
	fig := checkAllRecorded(t, f, n)
	st := f.Stats()
	fig["invocations"], fig["emulator_faults"], fig["throttled"] = len(resps), st.Faults, st.Throttled
	Report(t, fig)
}
