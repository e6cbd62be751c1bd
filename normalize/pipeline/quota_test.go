package pipeline_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/internal/testenv"
	"github.com/vectora/ingest-normalize/lease/budget"
	"github.com/vectora/ingest-normalize/normalize"
	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

const quota = "eu-west-3/" + testenv.Model

// TestPausedEnvironmentEndsAtOnce: an environment an operator paused
// (leasectl pause) claims nothing and calls nothing; the response gives the
// reason and every item as remaining. The same through configuration
// (WithPause, the stack parameter).
func TestPausedEnvironmentEndsAtOnce(t *testing.T) {
	f := newFixture(t)
	ev := f.Seed(10, 1)
	ctx := context.Background()
	if _, err := budget.SetEnv(ctx, f.Direct, f.Table, quota, pipeline.DefaultEnv, func(e budget.EnvLimit) budget.EnvLimit {
		e.Paused, e.Reason = true, "model migration"
		return e
	}); err != nil {
		t.Fatal(err)
	}
	for _, opts := range [][]pipeline.Option{nil, {pipeline.WithPause("stack parameter Paused")}} {
		resp, err := f.Pipeline(nil, nil, 0, opts...).Run(f.Context(60*time.Second), ev)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Paused == "" || !strings.Contains(resp.Message, "paused") || resp.Counts.Remaining != 10 || resp.Counts.Claimed != 0 {
			t.Errorf("response %q (paused %q), counts %+v; want paused with 10 remaining", resp.Message, resp.Paused, resp.Counts)
		}
	}
	if st := f.Stats(); st.Admitted != 0 {
		t.Errorf("a paused environment called Bedrock %d times", st.Admitted)
	}
}

// TestDaySpentFailsItemsAtOnce: with the day's quota spent, no call is
// attempted: every item ends failed at once, its reason naming the quota
// and when it resets.
func TestDaySpentFailsItemsAtOnce(t *testing.T) {
	f := newFixture(t)
	ev := f.Seed(10, 1)
	ctx := context.Background()
	if _, err := budget.SetLimits(ctx, f.Direct, f.Table, quota, func(budget.Limits) budget.Limits {
		return budget.Limits{TPM: float64(f.Quota.TPM), TPD: 100}
	}); err != nil {
		t.Fatal(err)
	}
	resp, err := f.Pipeline(nil, nil, 0).Run(f.Context(60*time.Second), ev)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Counts.Failed != 10 || resp.Bedrock.Attempts != 0 {
		t.Errorf("counts %+v, bedrock %+v; want 10 failed, no attempt", resp.Counts, resp.Bedrock)
	}
	if st := f.Stats(); st.Admitted+st.Throttled.Tokens != 0 {
		t.Errorf("Bedrock saw %d calls", st.Admitted+st.Throttled.Tokens)
	}
	for id, r := range records(t, f, "acme") {
		if r.Status != normalize.StatusFailed || !strings.Contains(r.Reason, "tokens per day") || !strings.Contains(r.Reason, "resets at") {
			t.Errorf("%s: %s %q", id, r.Status, r.Reason)
		}
	}
}
