package ingest

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/normalize/item"
)

func wholeWindow() item.Event {
	return item.Event{ClientID: "acme", FromDate: "2025-12-01", ToDate: "2025-12-21"}
}

func TestRunWritesEverySource(t *testing.T) {
	e := newEnv(t)
	e.configure(e.sources)
	rep, err := e.run(e.ingester(), wholeWindow())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ingested != len(e.sources) || rep.Failed != 0 || rep.Skipped != 0 {
		t.Fatalf("report %+v", rep)
	}
	if rep.Duplicates < 1 {
		t.Errorf("duplicates = %d, want the repeated feed item counted", rep.Duplicates)
	}
	items, _ := e.written("acme")
	want := e.expected(e.sources, day("2025-12-01"), day("2025-12-21"))
	if got := slices.Sorted(maps.Keys(items)); !slices.Equal(got, slices.Sorted(maps.Keys(want))) {
		t.Fatalf("written %d items, want %d:\n got %v\nwant %v", len(got), len(want), got, slices.Sorted(maps.Keys(want)))
	}
	if rep.Items != len(want) {
		t.Errorf("report items = %d, want %d", rep.Items, len(want))
	}
	for _, it := range items {
		if strings.ContainsAny(it.Title, "<>") || it.Title == "" {
			t.Errorf("%s: title %q not cleaned", it.ItemID, it.Title)
		}
		if !strings.HasPrefix(it.ContentHash, "sha256:") || it.ContentHash != contentHash(it.Title, it.Content) {
			t.Errorf("%s: content hash %s", it.ItemID, it.ContentHash)
		}
	}
	checkOriginalIDs(t, e, items)
	// What was written is what normalization reads (item.ParseItems).
	for key, data := range mustFiles(e) {
		parsed, bad, err := item.ParseItems([]byte(data))
		if err != nil || len(bad) > 0 || len(parsed) == 0 {
			t.Errorf("%s: item.ParseItems: %d items, bad %v, err %v", key, len(parsed), bad, err)
		}
	}
}

// checkOriginalIDs compares the corporate items with the ids and hashes the
// original system computed, and checks the fallback flag of undated pages.
func checkOriginalIDs(t *testing.T, e *env, items map[string]Item) {
	t.Helper()
	checked := 0
	for _, s := range e.sources {
		if s.Mode != ModeHTML {
			continue
		}
		undated := e.undated[s.Key]
		for _, r := range e.rows[s.Key] {
			it, ok := items[r.ItemID]
			if !ok {
				t.Errorf("original item %s (%q) not written", r.ItemID, r.Title)
				continue
			}
			checked++
			if it.ContentHash != r.ContentHash {
				t.Errorf("%s: hash %s, original %s", r.ItemID, it.ContentHash, r.ContentHash)
			}
			if it.PublishedAtFallback != undated || relative(it.URL) != relative(r.URL) {
				t.Errorf("%s: fallback %v url %q, want %v %q", r.ItemID, it.PublishedAtFallback, it.URL, undated, r.URL)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no corporate item checked")
	}
}

func mustFiles(e *env) map[string]string {
	_, files := e.written("acme")
	return files
}

func TestRunFiltersTheWindow(t *testing.T) {
	e := newEnv(t)
	e.configure(e.sources)
	ev := item.Event{ClientID: "acme", FromDate: "2025-12-08", ToDate: "2025-12-09"}
	rep, err := e.run(e.ingester(), ev)
	if err != nil {
		t.Fatal(err)
	}
	items, files := e.written("acme")
	want := e.expected(e.sources, day("2025-12-08"), day("2025-12-09"))
	if len(items) != len(want) || len(want) == 0 {
		t.Fatalf("written %d items, want %d", len(items), len(want))
	}
	for id, it := range items {
		if !want[id] || (it.PublishedAt != "2025-12-08" && it.PublishedAt != "2025-12-09") {
			t.Errorf("item %s of %s outside the window", id, it.PublishedAt)
		}
	}
	for key := range files {
		if !strings.HasPrefix(key, "ingested/acme/2025/12/08/") && !strings.HasPrefix(key, "ingested/acme/2025/12/09/") {
			t.Errorf("unexpected file %s", key)
		}
	}
	outside := 0
	for _, s := range rep.Sources {
		outside += s.OutsideWindow
	}
	if outside == 0 {
		t.Error("no entry counted outside the window")
	}
}

func TestRunBrokenSourceAmongFive(t *testing.T) {
	for _, broken := range []string{"timeout", "404", "invalid"} {
		t.Run(broken, func(t *testing.T) {
			e := newEnv(t)
			good := []Source{e.sources[0], e.sources[1], e.sources[len(e.sources)-2], e.sources[len(e.sources)-1]}
			bad := Source{Key: "press_sector__broken", Type: "press_sector", Mode: ModeRSS, Enabled: true,
				RSSURL: e.srv.URL + "/broken/" + broken}
			e.configure(append(good[:2:2], bad, good[2], good[3]))
			g := e.ingester(WithTimeout(300 * time.Millisecond))
			rep, err := e.run(g, wholeWindow())
			if err != nil {
				t.Fatal(err)
			}
			if rep.Ingested != 4 || rep.Failed != 1 {
				t.Fatalf("ingested %d failed %d, want 4 and 1: %+v", rep.Ingested, rep.Failed, rep.Sources)
			}
			res := rep.Sources[2]
			if res.SourceKey != bad.Key || res.State != StateFailed || res.Reason == "" {
				t.Errorf("broken source result %+v", res)
			}
			items, _ := e.written("acme")
			if want := e.expected(good, day("2025-12-01"), day("2025-12-21")); len(items) != len(want) {
				t.Errorf("written %d items, want %d", len(items), len(want))
			}
			// Timeouts are retried once; a 404 or an invalid feed is not.
			wantHits := map[string]int{"timeout": 2, "404": 1, "invalid": 1}[broken]
			if n := e.srv.count("/broken/" + broken); n != wantHits {
				t.Errorf("%d requests to the broken source, want %d", n, wantHits)
			}
			// Its claim is free: a later invocation tries it again.
			rep, err = e.run(g, wholeWindow())
			if err != nil || rep.Failed != 1 || rep.Skipped != 4 {
				t.Errorf("second run: err %v, report %+v", err, rep)
			}
		})
	}
}

func TestRunConditionalGet(t *testing.T) {
	e := newEnv(t)
	e.configure(e.sources)
	if _, err := e.run(e.ingester(), wholeWindow()); err != nil {
		t.Fatal(err)
	}
	_, before := e.written("acme")
	// A narrower window ending on the fetch day is covered by the first
	// fetch: every source answers 304 and nothing is written.
	rep, err := e.run(e.ingester(), item.Event{ClientID: "acme", FromDate: "2025-12-10", ToDate: "2025-12-21"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.NotModified != len(e.sources) || rep.Items != 0 || len(rep.Days) != 0 {
		t.Fatalf("second run: %+v", rep)
	}
	if _, after := e.written("acme"); !maps.Equal(before, after) {
		t.Error("a 304 changed the day files")
	}
	for _, s := range e.sources {
		path := strings.TrimPrefix(s.URL(), e.srv.URL)
		if e.srv.conditional[path] != 1 || e.srv.count(path) != 2 {
			t.Errorf("%s: %d requests, %d conditional", path, e.srv.count(path), e.srv.conditional[path])
		}
	}
	// A window reaching before the first one is not covered: full fetch.
	rep, err = e.run(e.ingester(), item.Event{ClientID: "acme", FromDate: "2025-11-20", ToDate: "2025-12-21"})
	if err != nil || rep.Ingested != len(e.sources) {
		t.Fatalf("third run: err %v, %+v", err, rep)
	}
}

func TestRunSizeCap(t *testing.T) {
	e := newEnv(t)
	e.configure(e.sources[:2])
	rep, err := e.run(e.ingester(WithMaxBytes(512)), wholeWindow())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 2 || rep.Requests != 2 {
		t.Fatalf("report %+v", rep)
	}
	for _, s := range rep.Sources {
		if !strings.Contains(s.Reason, ErrTooLarge.Error()) {
			t.Errorf("%s: reason %q", s.SourceKey, s.Reason)
		}
	}
	if items, _ := e.written("acme"); len(items) != 0 {
		t.Errorf("%d items written", len(items))
	}
}

func TestConcurrentRunsIngestEachSourceOnce(t *testing.T) {
	e := newEnv(t)
	e.configure(e.sources)
	g := e.ingester(WithWorkers(2))
	reps := make([]*Report, 3)
	var wg sync.WaitGroup
	for i := range reps {
		wg.Go(func() {
			rep, err := e.run(g, wholeWindow())
			if err != nil {
				t.Error(err)
			}
			reps[i] = rep
		})
	}
	wg.Wait()
	ingested, skipped := 0, 0
	for _, r := range reps {
		if r != nil {
			ingested, skipped = ingested+r.Ingested, skipped+r.Skipped
		}
	}
	if ingested != len(e.sources) || skipped != 2*len(e.sources) {
		t.Errorf("ingested %d skipped %d over 3 runs, want %d and %d", ingested, skipped, len(e.sources), 2*len(e.sources))
	}
	for _, s := range e.sources {
		if n := e.srv.count(strings.TrimPrefix(s.URL(), e.srv.URL)); n != 1 {
			t.Errorf("%s fetched %d times", s.Key, n)
		}
	}
	items, _ := e.written("acme")
	if want := e.expected(e.sources, day("2025-12-01"), day("2025-12-21")); len(items) != len(want) {
		t.Errorf("written %d items, want %d", len(items), len(want))
	}
}

func TestRunConfigErrors(t *testing.T) {
	e := newEnv(t)
	g := e.ingester()
	if _, err := e.run(g, wholeWindow()); !errors.Is(err, ErrConfig) {
		t.Errorf("no catalog: %v", err)
	}
	e.configure(e.sources[:1])
	ev := wholeWindow()
	ev.ClientID = "nobody"
	if _, err := e.run(g, ev); !errors.Is(err, ErrNoClient) {
		t.Errorf("no client file: %v", err)
	}
	ev.Sources = []string{e.sources[0].Key, "press_sector__unknown"}
	rep, err := e.run(g, ev)
	if err != nil || rep.Ingested != 1 || rep.Failed != 1 {
		t.Errorf("event sources: err %v, report %+v", err, rep)
	}
	if _, err := e.run(g, item.Event{ClientID: "acme"}); err == nil {
		t.Error("an event without a window ran")
	}
}
