package ingest

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vectora/ingest-normalize/internal/localaws"
	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/normalize/item"
	"gopkg.in/yaml.v3"
)

// sharedData is the real sample data, relative to the package directory.
const sharedData = "../../shared/data"

// ingestDay is the day the original system ingested the corporate items.
var ingestDay = time.Date(2025, 12, 21, 10, 0, 0, 0, time.UTC)

// row is one line of the sample items files: an item as the original
// system wrote it.
type row = item.Raw

// loadRows reads the shared sample file, or the package's own fixture when
// the shared data is absent.
func loadRows(t testing.TB, shared, own string) []row {
	t.Helper()
	f, err := os.Open(filepath.Join(sharedData, shared))
	if os.IsNotExist(err) {
		f, err = os.Open(filepath.Join("testdata", own))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []row
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var r row
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	return rows
}

// bySource groups rows by source key, keys sorted.
func bySource(rows []row) ([]string, map[string][]row) {
	m := map[string][]row{}
	for _, r := range rows {
		m[r.SourceKey] = append(m[r.SourceKey], r)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, m
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time                         { return c.t }
func (c fixedClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// env is one test's world: local DynamoDB and S3, a feed server, a lease
// manager and the sources built from the sample data.
type env struct {
	t       testing.TB
	db      *dynamodb.Client
	s3      *s3.Client
	mgr     *lease.Manager
	srv     *feedServer
	table   string
	bucket  string
	example *Catalog
	sources []Source         // feeds then pages, in catalog order
	rows    map[string][]row // rows served by each source
	undated map[string]bool  // pages served without dates
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	db, s3c, stop, err := localaws.Clients(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	e := &env{t: t, db: db, s3: s3c, srv: newFeedServer(t),
		table: "coord-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")), bucket: "data", rows: map[string][]row{}, undated: map[string]bool{}}
	if err := lease.CreateTable(ctx, e.db, e.table); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(e.bucket)}); err != nil && !strings.Contains(err.Error(), "BucketAlready") {
		t.Fatal(err)
	}
	if e.mgr, err = lease.NewManager(e.db, e.table, lease.WithMaxHolders(3)); err != nil {
		t.Fatal(err)
	}
	e.example = exampleCatalog(t)
	e.buildSources()
	return e
}

// exampleCatalog is the catalog of testdata.
func exampleCatalog(t testing.TB) *Catalog {
	return parseTestdata(t, "source_catalog.yaml", ParseCatalog)
}

// parseTestdata reads testdata/name and returns what parse makes of it.
func parseTestdata[T any](t testing.TB, name string, parse func([]byte) (T, error)) T {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	v, err := parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// buildSources serves every sample source: feeds alternately as RSS 2.0
// and Atom, pages alternately in layout A without dates and layout B with
// them. The last feed repeats the first feed's first item (a duplicate
// across sources).
func (e *env) buildSources() {
	var feedRows []row
	for _, r := range loadRows(e.t, "items-press-feeds.jsonl", "items-feeds.jsonl") {
		if r.SourceType == "press_sector" { // the file also holds a few corporate items
			feedRows = append(feedRows, r)
		}
	}
	feedKeys, feeds := bySource(feedRows)
	pageKeys, pages := bySource(loadRows(e.t, "items-corporate.jsonl", "items-corporate.jsonl"))
	dup := feeds[feedKeys[0]][0]
	last := feedKeys[len(feedKeys)-1]
	feeds[last] = append(feeds[last], row{SourceKey: last, Title: dup.Title, Content: dup.Content,
		URL: dup.URL + "?dup", PublishedAt: dup.PublishedAt})
	for i, k := range feedKeys {
		doc := rssDoc(feeds[k])
		if i%2 == 1 {
			doc = atomDoc(feeds[k])
		}
		u := e.srv.put("/feed/"+k, doc)
		e.sources = append(e.sources, Source{Key: k, Type: "press_sector", Mode: ModeRSS, RSSURL: u, Enabled: true, Language: "en"})
		e.rows[k] = feeds[k]
	}
	a, b := e.example.Sources[3].Selectors, e.example.Sources[4].Selectors
	for i, k := range pageKeys {
		doc, sel := pageA(pages[k], false), a
		e.undated[k] = i%2 == 0
		if i%2 == 1 {
			doc, sel = pageB(pages[k]), b
		}
		u := e.srv.put("/page/"+k+"/", doc)
		e.sources = append(e.sources, Source{Key: k, Type: "press_corporate", Mode: ModeHTML, HTMLURL: u, Enabled: true,
			Language: "en", MaxContent: 2000, Selectors: sel})
		e.rows[k] = pages[k]
	}
}

// configure uploads a catalog of srcs (one bouquet "all") and a client
// "acme" following it.
func (e *env) configure(srcs []Source) {
	e.t.Helper()
	cat := Catalog{Sources: srcs, Bouquets: []Bouquet{{ID: "all"}}}
	for _, s := range srcs {
		cat.Bouquets[0].SourceKeys = append(cat.Bouquets[0].SourceKeys, s.Key)
	}
	data, err := yaml.Marshal(&cat)
	if err != nil {
		e.t.Fatal(err)
	}
	client, _ := yaml.Marshal(Client{ID: "acme", Bouquets: []string{"all"}})
	e.putObject(CatalogKey, data)
	e.putObject("clients/acme.yaml", client)
}

func (e *env) putObject(key string, data []byte) {
	e.t.Helper()
	_, err := e.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(e.bucket), Key: aws.String(key),
		Body: strings.NewReader(string(data))})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) ingester(opts ...Option) *Ingester {
	e.t.Helper()
	return e.ingesterOn(e.db, opts...)
}

// ingesterOn is ingester with db as its DynamoDB client.
func (e *env) ingesterOn(db DynamoDB, opts ...Option) *Ingester {
	e.t.Helper()
	base := []Option{WithClock(fixedClock{ingestDay}), WithTimeout(5 * time.Second), WithRetries(1, 5*time.Millisecond),
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}
	g, err := New(db, e.s3, e.mgr, e.table, e.bucket, append(base, opts...)...)
	if err != nil {
		e.t.Fatal(err)
	}
	return g
}

// run acquires a lease on the ingester's scope, runs ev and releases.
func (e *env) run(g *Ingester, ev item.Event) (*Report, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	l, err := e.mgr.Acquire(ctx, g.Scope())
	if err != nil {
		return nil, err
	}
	defer l.Release(ctx)
	return g.Run(ctx, l, ev)
}

// written returns every item in the client's day files, by item id, and
// the raw files by key.
func (e *env) written(client string) (map[string]Item, map[string]string) {
	e.t.Helper()
	ctx := context.Background()
	out, err := e.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(e.bucket), Prefix: aws.String("ingested/" + client + "/")})
	if err != nil {
		e.t.Fatal(err)
	}
	items, files := map[string]Item{}, map[string]string{}
	for _, o := range out.Contents {
		data, _, err := getObject(ctx, e.s3, e.bucket, aws.ToString(o.Key), 1<<26)
		if err != nil {
			e.t.Fatal(err)
		}
		files[aws.ToString(o.Key)] = string(data)
		var day []Item
		if err := json.Unmarshal(data, &day); err != nil {
			e.t.Fatalf("%s: %v", aws.ToString(o.Key), err)
		}
		for _, it := range day {
			if _, dup := items[it.ItemID]; dup {
				e.t.Errorf("item %s written twice", it.ItemID)
			}
			items[it.ItemID] = it
		}
	}
	return items, files
}

// expected returns the item ids srcs should give for the window, computed
// from the rows: ids per source, first wins; content hashes across sources
// in catalog order, first wins.
func (e *env) expected(srcs []Source, from, to time.Time) map[string]bool {
	ids, hashes := map[string]bool{}, map[string]bool{}
	for _, s := range srcs {
		for _, r := range e.rows[s.Key] {
			title := item.CleanText(r.Title)
			hash := contentHash(title, item.CleanText(r.Content))
			date := r.PublishedAt
			if s.Mode == ModeHTML {
				date = ingestDay.Format(time.DateOnly) // corporate rows: layout A has no date, B has this one
			}
			id := item.DeriveItemID(s.Key, date, title, "", "")
			d, _ := time.Parse(time.DateOnly, date)
			if d.Before(from) || d.After(to) || ids[id] || hashes[hash] {
				continue
			}
			ids[id], hashes[hash] = true, true
		}
	}
	return ids
}

func day(s string) time.Time {
	d, _ := time.Parse(time.DateOnly, s)
	return d
}
