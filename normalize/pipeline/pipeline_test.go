package pipeline_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/normalize/pipeline"

	"github.com/vectora/ingest-normalize/internal/ddbcount"
	"github.com/vectora/ingest-normalize/normalize"
)

// TestConcurrentRunsShareTheWork runs three invocations of one run at once
// over 60 items in 5 days: every item gets exactly one record, the model is
// called once per item without a throttle, no lease is left held, and a
// fourth invocation finds nothing to do.
func TestConcurrentRunsShareTheWork(t *testing.T) {
	f := newFixture(t)
	ev := f.Seed(60, 5)
	var (
		wg    sync.WaitGroup
		resps = make([]*pipeline.Response, 3)
		errs  = make([]error, 3)
	)
	oc := ddbcount.New(f.DB)
	for i := range 3 {
		p := f.Pipeline(oc, nil, 0)
		wg.Go(func() {
			resps[i], errs[i] = p.Run(f.Context(60*time.Second), ev, pipeline.As(fmt.Sprintf("inv-%d", i)))
		})
	}
	wg.Wait()
	var requests int64
	var claimed, ok int
	for i, r := range resps {
		if errs[i] != nil {
			t.Fatalf("run %d: %v", i, errs[i])
		}
		t.Logf("run %d: %s (lease lost: %q); counts %+v; bedrock %+v; workers %+v; dynamodb %d", i, r.Message, r.Lease.Lost, r.Counts, r.Bedrock, r.Workers, r.DynamoDBRequests)
		requests += r.DynamoDBRequests
		claimed += r.Counts.Claimed
		ok += r.Counts.OK
	}
	recs := records(t, f, "acme")
	if len(recs) != 60 || ok != 60 || claimed != 60 {
		t.Errorf("%d records, %d ok, %d claimed; want 60 each", len(recs), ok, claimed)
	}
	for id, r := range recs {
		if r.Status != normalize.StatusOK {
			t.Errorf("%s: status %s (%s)", id, r.Status, r.Reason)
		}
	}
	st := f.Stats()
	if st.Completed != 60 || st.Throttled.Tokens+st.Throttled.Requests != 0 {
		t.Errorf("emulator: %d completed, throttled %+v; want 60 and none", st.Completed, st.Throttled)
	}
	perCall := float64(requests) / float64(st.Completed)
	budget := oc.Count("UpdateItem budget")
	lease := oc.Count("UpdateItem scope") + oc.Count("GetItem scope")
	claims := requests - budget - lease
	t.Logf("DynamoDB requests: %d for %d Bedrock calls = %.2f per call (claims %.2f, lease %.2f, budget %.2f); by kind %v",
		requests, st.Completed, perCall, float64(claims)/60, float64(lease)/60, float64(budget)/60, oc)
	if claims > 60 {
		t.Errorf("claims made %d DynamoDB requests for 60 calls, want <= 1 per call", claims)
	}
	if n := f.LeftHolders("ingest-normalize/dev"); n != 0 {
		t.Errorf("%d lease holders left", n)
	}
	for d := 15; d < 20; d++ {
		day := string(f.Get(fmt.Sprintf("normalized/acme/2025/12/%02d/items.json", d)))
		if strings.Count(day, `"normalization_status":"ok"`) != 12 {
			t.Errorf("day %d file: %.200s", d, day)
		}
	}

	fourth, err := f.Pipeline(nil, nil, 0).Run(f.Context(30*time.Second), ev)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fourth: %s; dynamodb %d", fourth.Message, fourth.DynamoDBRequests)
	if !strings.HasPrefix(fourth.Message, "nothing to do: all 60 items") || fourth.Counts.AlreadyDone != 60 || f.Stats().Completed != 60 {
		t.Errorf("fourth run: %+v", fourth)
	}
}

// TestForceReprocessRedoesEveryTime is issue 15's item 2: each
// force_reprocess redoes the whole window, twice in a row included (the
// run key used to end with the hour, so a second force within the hour
// did nothing), and says how many records it replaced.
func TestForceReprocessRedoesEveryTime(t *testing.T) {
	f := newFixture(t)
	ev := f.Seed(8, 2)
	p := f.Pipeline(nil, nil, 0)
	first, err := p.Run(f.Context(30*time.Second), ev)
	if err != nil || first.Counts.OK != 8 || first.Counts.Replaced != 0 {
		t.Fatalf("first run: %+v, %v", first, err)
	}
	ev.ForceReprocess = true
	keys := map[string]bool{first.RunKey: true}
	for i := range 2 {
		r, err := p.Run(f.Context(30*time.Second), ev)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("force %d: %s (run %s)", i, r.Message, r.RunKey)
		if r.Counts.OK != 8 || r.Counts.Replaced != 8 || !strings.Contains(r.Message, "8 earlier records replaced") || keys[r.RunKey] {
			t.Errorf("force %d: counts %+v, message %q, run key %s (seen %v); want 8 redone and replaced in a run of its own", i, r.Counts, r.Message, r.RunKey, keys)
		}
		keys[r.RunKey] = true
	}
	if n := f.Stats().Completed; n != 24 {
		t.Errorf("%d Bedrock calls, want 24 (8 per run)", n)
	}
	if recs := records(t, f, "acme"); len(recs) != 8 {
		t.Errorf("%d records, want 8", len(recs))
	}
}

// TestNothingMatchedSaysWhy is issue 15's item 9: a filter that removes
// every item says what was read and what removed them, and an empty window
// names the files it looked for.
func TestNothingMatchedSaysWhy(t *testing.T) {
	f := newFixture(t)
	ev := f.Seed(8, 2)
	p := f.Pipeline(nil, nil, 0)
	ev.Sources = []string{"nope"}
	r, err := p.Run(f.Context(10*time.Second), ev)
	if err != nil {
		t.Fatal(err)
	}
	if want := "nothing to do: 0 of 8 items in the window matched: sources [nope] removed 8"; r.Message != want ||
		r.Selection.InWindow != 8 || r.Selection.Files != 2 || len(r.Selection.Removed) != 1 {
		t.Errorf("message %q, selection %+v; want %q", r.Message, r.Selection, want)
	}
	ev.Sources, ev.ClientID = nil, "nobody"
	r, err = p.Run(f.Context(10*time.Second), ev)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Message, "no items in the window 2025-12-15..2025-12-16") || !strings.Contains(r.Message, "ingested/nobody/<YYYY>/<MM>/<DD>/items.json") {
		t.Errorf("empty window: %q", r.Message)
	}
	if n := f.Stats().Completed; n != 0 {
		t.Errorf("%d Bedrock calls, want none", n)
	}
}
