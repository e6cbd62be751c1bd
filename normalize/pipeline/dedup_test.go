package pipeline_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/internal/sample"
	"github.com/vectora/ingest-normalize/normalize"
	"github.com/vectora/ingest-normalize/normalize/item"
	"github.com/vectora/ingest-normalize/normalize/pipeline"
)

// crossPosted returns the pairs of item ids whose prompts are identical.
func crossPosted(t *testing.T, raws []item.Raw) map[string]string {
	t.Helper()
	data, _ := json.Marshal(raws)
	items, _, _ := item.ParseItems(data)
	seen, pairs := map[string]string{}, map[string]string{}
	for _, it := range items {
		user := normalize.BuildPrompt(it, normalize.DefaultCanonical()).User
		if first, ok := seen[user]; ok {
			pairs[first], pairs[it.ItemID] = it.ItemID, first
		}
		seen[user] = it.ItemID
	}
	return pairs
}

// runDedup seeds raws, runs one invocation (then one with force_reprocess)
// and checks that identical prompts made one call, the second record
// naming the item whose answer it took, and that force_reprocess calls
// for every item.
func runDedup(t *testing.T, raws []item.Raw) {
	pairs := crossPosted(t, raws)
	if len(pairs) == 0 {
		t.Fatal("no cross-posted items in the data")
	}
	f := newFixture(t)
	seeded, err := sample.Seed(t.Context(), f.S3, f.Bucket, "acme", raws)
	if err != nil {
		t.Fatal(err)
	}
	n := len(seeded.IDs)
	ev := item.Event{ClientID: "acme", FromDate: seeded.From, ToDate: seeded.To}
	resp, err := f.Pipeline(nil, nil, 0).Run(f.Context(10*time.Minute), ev)
	if err != nil {
		t.Fatal(err)
	}
	shared, extra := len(pairs)/2, int64(0)
	if resp.Counts.Remaining > 0 {
		// A loaded machine can cost the invocation its lease (moto under
		// make test): a later invocation finishes the run, as in production,
		// redoing at most the calls the first had in flight.
		t.Logf("first invocation stopped early: %s (lease lost: %q)", resp.Message, resp.Lease.Lost)
		if resp, err = f.Pipeline(nil, nil, 0).Run(f.Context(10*time.Minute), ev); err != nil || resp.Counts.Remaining > 0 {
			t.Fatalf("second invocation: %v, %+v", err, resp)
		}
		extra = pipeline.DefaultWorkerCap
	}
	if got := f.Stats().Completed; got < int64(n-shared) || got > int64(n-shared)+extra {
		t.Errorf("%d items, %d cross-posted pairs: %d Bedrock calls, counts %+v; want %d calls", n, shared, got, resp.Counts, n-shared)
	}
	if extra == 0 && (resp.Bedrock.SharedCalls != shared || resp.Counts.OK+resp.Counts.Fallback != n) {
		t.Errorf("%d shared calls, counts %+v; want %d shared, %d ok or fallback", resp.Bedrock.SharedCalls, resp.Counts, shared, n)
	}
	recs := records(t, f, "acme")
	for id, other := range pairs {
		a, b := recs[id], recs[other]
		if (a.AnswerOf == other) == (b.AnswerOf == id) {
			t.Errorf("pair %s / %s: answer_of %q and %q, want exactly one naming the other", id, other, a.AnswerOf, b.AnswerOf)
		}
		if a.AnswerOf != "" && (a.Usage != normalize.Usage{} || a.Summary != b.Summary) {
			t.Errorf("%s took %s's answer: usage %+v, summary %q vs %q", id, a.AnswerOf, a.Usage, a.Summary, b.Summary)
		}
	}
	before := f.Stats().Completed
	ev.ForceReprocess = true
	forced, err := f.Pipeline(nil, nil, 0).Run(f.Context(10*time.Minute), ev)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Stats().Completed - before; got != int64(n) {
		t.Errorf("force_reprocess made %d calls for %d items, want one each (%s)", got, n, forced.Message)
	}
	for id := range pairs {
		if r := records(t, f, "acme")[id]; r.AnswerOf != "" {
			t.Errorf("force_reprocess: %s still took %s's answer", id, r.AnswerOf)
		}
	}
}

// TestCrossPostedItemsShareOneCall uses the real sample, whose sector
// feeds publish the same story under two sources.
func TestCrossPostedItemsShareOneCall(t *testing.T) {
	raws, err := sample.LoadJSONL(sample.RealData(".")...)
	if err != nil || len(raws) == 0 {
		t.Skipf("no real data next to the repository (%v)", err)
	}
	runDedup(t, withPairs(t, raws, 30))
}

// withPairs keeps the cross-posted items of raws and the first n others:
// a run short enough that a loaded moto (make test) does not cost the
// invocation its lease half way.
func withPairs(t *testing.T, raws []item.Raw, n int) []item.Raw {
	pairs := crossPosted(t, raws)
	var out []item.Raw
	for _, r := range raws {
		data, _ := json.Marshal([]item.Raw{r})
		parsed, _, _ := item.ParseItems(data) // the id as the pipeline sees it
		_, paired := pairs[r.ItemID]
		if len(parsed) == 1 {
			_, paired = pairs[parsed[0].ItemID]
		}
		if paired || n > 0 {
			if !paired {
				n--
			}
			out = append(out, r)
		}
	}
	return out
}

// TestIdenticalPromptsShareOneCall needs no real data: a story posted by
// two feeds with the same title, content and date.
func TestIdenticalPromptsShareOneCall(t *testing.T) {
	story := item.Raw{Title: "Medincell Awarded New Grant to Fight Malaria", Content: "The grant funds a long-acting injectable.",
		PublishedAt: "2025-12-12", Language: "en", SourceType: "rss"}
	a, b := story, story
	a.ItemID, a.SourceKey = "press_sector__fiercepharma_20251212_1", "press_sector__fiercepharma"
	b.ItemID, b.SourceKey = "press_sector__fiercebiotech_20251212_1", "press_sector__fiercebiotech"
	runDedup(t, append(sample.Items(), a, b))
}

// TestTwinRecordOfAnotherInvocation: an item whose identical twin was
// normalized by an earlier invocation takes the twin's record instead of
// calling, when the record was made from the very same prompt.
func TestTwinRecordOfAnotherInvocation(t *testing.T) {
	a := item.Raw{ItemID: "press_sector__fiercepharma_20251212_2", SourceKey: "press_sector__fiercepharma", SourceType: "rss",
		Title: "Nanexa and Moderna enter into license agreement", Content: "PharmaShell-based products.", PublishedAt: "2025-12-12", Language: "en"}
	b := a
	b.ItemID, b.SourceKey = "press_sector__fiercebiotech_20251212_2", "press_sector__fiercebiotech"
	f := newFixture(t)
	ev := item.Event{ClientID: "acme", FromDate: "2025-12-12", ToDate: "2025-12-12"}
	for i, items := range [][]item.Raw{{a}, {a, b}} {
		if _, err := sample.Seed(t.Context(), f.S3, f.Bucket, "acme", items); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Pipeline(nil, nil, 0).Run(f.Context(5*time.Minute), ev); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	recs := records(t, f, "acme")
	if got := f.Stats().Completed; got != 1 || recs[b.ItemID].AnswerOf != a.ItemID || recs[b.ItemID].Status != normalize.StatusOK {
		t.Errorf("%d calls; record of the twin: %+v; want one call and answer_of %s", got, recs[b.ItemID], a.ItemID)
	}
	if recs[a.ItemID].PromptSHA256 == "" || recs[a.ItemID].PromptSHA256 != recs[b.ItemID].PromptSHA256 {
		t.Errorf("prompt_sha256 %q and %q, want the same, set", recs[a.ItemID].PromptSHA256, recs[b.ItemID].PromptSHA256)
	}
}
