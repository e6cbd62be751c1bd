package ingest

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/normalize/item"
	"gopkg.in/yaml.v3"
)

func TestParseCatalog(t *testing.T) {
	c := exampleCatalog(t)
	if len(c.Sources) != 5 || len(c.Bouquets) != 2 {
		t.Fatalf("example: %d sources, %d bouquets", len(c.Sources), len(c.Bouquets))
	}
	for _, s := range c.Sources {
		if err := s.Check(); err != nil {
			t.Error(err)
		}
	}
	// The original MVP catalog parses too (its extra fields are known). The
	// full one lists source entries under bouquets: and is refused.
	for name, ok := range map[string]bool{"source-catalog-mvp.yaml": true, "source-catalog-full.yaml": false} {
		data, err := os.ReadFile(filepath.Join(sharedData, name))
		if os.IsNotExist(err) {
			continue
		}
		if _, err := ParseCatalog(data); (err == nil) != ok {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, bad := range []string{
		"sources:\n  - source_key: a\n    selector: {}\n",                      // unknown field
		"sources:\n  - source_key: a\n  - source_key: a\n",                     // duplicate
		"sources:\n  - source_key: ../x\n",                                     // invalid key
		"sources: []\nbouquets:\n  - bouquet_id: b\n    source_keys: [nope]\n", // unknown source
	} {
		if _, err := ParseCatalog([]byte(bad)); !errors.Is(err, ErrConfig) {
			t.Errorf("%q: err %v", bad, err)
		}
	}
}

func TestResolve(t *testing.T) {
	c := exampleCatalog(t)
	cl := parseTestdata(t, "clients/demo.yaml", ParseClient)
	srcs, res, err := c.Resolve(cl, nil)
	if err != nil || len(srcs) != 5 || len(res) != 0 {
		t.Fatalf("client: %d sources, %v, %v", len(srcs), res, err)
	}
	srcs, res, _ = c.Resolve(cl, []string{"press_corporate__acme_bio", "nope", "press_corporate__acme_bio"})
	if len(srcs) != 1 || len(res) != 1 || res[0].State != StateFailed {
		t.Errorf("override: %v %v", srcs, res)
	}
	if _, _, err := c.Resolve(Client{ID: "x", Bouquets: []string{"missing"}}, nil); !errors.Is(err, ErrConfig) {
		t.Errorf("unknown bouquet: %v", err)
	}
	c.Sources[0].Enabled = false
	c.byKey = nil
	c2, _ := ParseCatalog(mustYAML(t, c))
	srcs, _, _ = c2.Resolve(cl, nil)
	_, res, _ = c2.Resolve(cl, []string{c.Sources[0].Key})
	if len(srcs) != 4 || len(res) != 1 || res[0].State != StateSkipped {
		t.Errorf("disabled: %d sources, %v", len(srcs), res)
	}
}

func TestNewItemMatchesOriginal(t *testing.T) {
	rows := loadRows(t, "items-corporate.jsonl", "items-corporate.jsonl")
	for _, r := range rows {
		it, ok := newItem(Source{Key: r.SourceKey}, entry{title: r.Title, content: r.Content, link: r.URL}, ingestDay)
		if !ok || it.ItemID != r.ItemID || it.ContentHash != r.ContentHash || !it.PublishedAtFallback {
			t.Errorf("%s: got %s %s fallback %v", r.ItemID, it.ItemID, it.ContentHash, it.PublishedAtFallback)
		}
	}
}

func TestNewItemCleansFeedTitles(t *testing.T) {
	src := Source{Key: "press_sector__x", Type: "press_sector"}
	pub := time.Date(2025, 12, 8, 23, 30, 0, 0, time.FixedZone("EST", -5*3600))
	it, ok := newItem(src, entry{title: `<a href="https://x.example/a" hreflang="en">J&amp;J buys  <b>Acme</b></a>`, published: pub}, ingestDay)
	if !ok || it.Title != "J&J buys Acme" || it.PublishedAt != "2025-12-09" || it.PublishedAtFallback {
		t.Fatalf("%+v", it)
	}
	if want := item.DeriveItemID(src.Key, "2025-12-09", "J&J buys Acme", "", ""); it.ItemID != want || !strings.HasPrefix(want, "press_sector__x_20251209_") {
		t.Errorf("id %s, want %s", it.ItemID, want)
	}
	if _, ok := newItem(src, entry{title: "<br/>"}, ingestDay); ok {
		t.Error("an empty entry became an item")
	}
}

func TestCovers(t *testing.T) {
	v := validators{URL: "u", ETag: `"e"`, From: "2025-12-01", To: "2025-12-21", Fetched: "2025-12-21"}
	past := v
	past.To = "2025-12-10" // a backfill: items after Dec 10 were dropped
	for _, c := range []struct {
		v        validators
		url      string
		from, to string
		want     bool
	}{
		{v, "u", "2025-12-10", "2025-12-21", true},
		{v, "u", "2025-12-15", "2025-12-28", true}, // later days: the feed had nothing newer
		{v, "u", "2025-11-30", "2025-12-21", false},
		{v, "other", "2025-12-10", "2025-12-21", false},
		{past, "u", "2025-12-02", "2025-12-10", true},
		{past, "u", "2025-12-02", "2025-12-11", false},
		{validators{URL: "u", From: "2025-12-01", To: "2025-12-21", Fetched: "2025-12-21"}, "u", "2025-12-10", "2025-12-21", false},
	} {
		if got := c.v.covers(c.url, day(c.from), day(c.to)); got != c.want {
			t.Errorf("%+v covers %s %s..%s = %v", c.v, c.url, c.from, c.to, got)
		}
	}
}

func TestMerge(t *testing.T) {
	mk := func(id, content string) Item {
		return Item{Raw: item.Raw{ItemID: id, SourceKey: "s", Title: id, Content: content, ContentHash: contentHash(id, content)}}
	}
	old := `{"item_id":"b","source_key":"s","title":"b","content_hash":"` + contentHash("b", "x") + `","extra":1}` + "\n" +
		`{"item_id":"c","source_key":"s","title":"c","content_hash":"` + contentHash("c", "") + `"}` + "\n"
	body, m, err := merge([]byte(old), []Item{mk("a", "new"), mk("b", "x"), mk("c", "changed"), mk("d", "x")})
	if err != nil {
		t.Fatal(err)
	}
	if m != (merged{added: 1, replaced: 1, dups: 1, total: 3}) {
		t.Errorf("merged %+v", m)
	}
	items, bad, err := item.ParseItems(body)
	if err != nil || len(bad) > 0 || len(items) != 3 || items[0].ItemID != "a" || items[2].Content != "changed" {
		t.Fatalf("%s: %v %v %v", body, items, bad, err)
	}
	if !strings.Contains(string(body), `"extra":1`) {
		t.Error("an existing element was not kept as it was")
	}
	if _, _, err := merge([]byte("[{"), nil); err == nil {
		t.Error("a broken file was merged")
	}
}

func TestParsePageDates(t *testing.T) {
	page := `<div class="n"><a href="/x">One</a><span class="d">10 December 2025</span></div>
<div class="n"><a href="https://o.example/y">Two</a><span class="d">December 9, 2025</span></div>
<div class="n"><a>Three</a><span class="d">soon</span></div>`
	base, _ := url.Parse("https://corp.example/news/")
	es, err := parsePage([]byte(page), base, Selectors{Item: "div.n", Title: "a", Date: "span.d"})
	if err != nil || len(es) != 3 {
		t.Fatal(es, err)
	}
	if es[0].link != "https://corp.example/x" || es[0].published.Format(time.DateOnly) != "2025-12-10" ||
		es[1].published.Format(time.DateOnly) != "2025-12-09" || !es[2].published.IsZero() || es[2].link != "" {
		t.Errorf("%+v", es)
	}
	if _, err := parsePage([]byte(page), base, Selectors{Item: "li.none"}); !errors.Is(err, ErrParse) {
		t.Errorf("no match: %v", err)
	}
}

// A holder that dies with a claim leaves it claimed; the next invocation
// takes it over once the holder's lease is gone.
func TestClaimTakeover(t *testing.T) {
	e := newEnv(t)
	e.configure(e.sources[:1])
	g := e.ingester()
	ctx := context.Background()
	dead, err := e.mgr.Acquire(ctx, g.Scope())
	if err != nil {
		t.Fatal(err)
	}
	r, err := g.newRun(dead, wholeWindow(), ingestDay)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.claims.take(ctx, e.sources[0].Key, false); err != nil {
		t.Fatal(err)
	}
	live, err := e.mgr.Acquire(ctx, g.Scope())
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := g.Run(ctx, live, wholeWindow()); err != nil || rep.Skipped != 1 {
		t.Fatalf("while the holder lives: %v %+v", err, rep)
	}
	dead.Release(ctx)
	if rep, err := g.Run(ctx, live, wholeWindow()); err != nil || rep.Ingested != 1 {
		t.Fatalf("after it died: %v %+v", err, rep)
	}
	live.Release(ctx)
	if _, err := g.Run(ctx, live, wholeWindow()); err == nil {
		t.Error("ran under a released lease")
	}
}

func mustYAML(t *testing.T, c *Catalog) []byte {
	t.Helper()
	data, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
