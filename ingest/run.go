package ingest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/lease/claim"
	"github.com/vectora/ingest-normalize/normalize/item"
)

// finishTimeout bounds the writes that close claims, which run even when
// the invocation's context has ended so that failed sources are freed.
const finishTimeout = 5 * time.Second

// run is the state of one Run.
type run struct {
	g        *Ingester
	lease    *lease.Lease
	ev       item.Event
	now      time.Time
	from, to time.Time
	claims   claims
	state    httpState
	writer   writer
	tasks    []*task
	report   Report
}

// task is one source of a run.
type task struct {
	src      Source
	res      SourceResult
	requests atomic.Int64
	items    []Item
	v        validators // to remember once the items are written
	held     bool       // this run holds the claim
	unsaved  bool       // a day file with its items could not be written
}

func (g *Ingester) newRun(l *lease.Lease, ev item.Event, now time.Time) (*run, error) {
	from, to, _ := ev.Window(now)
	window := from.Format(time.DateOnly) + ":" + to.Format(time.DateOnly)
	pk := "ingest#" + g.env + "#" + ev.ClientID
	set, err := claim.NewSet(g.db, g.table, pk+"#"+window, l, g.leases,
		claim.WithScope(), claim.WithClock(g.clock), claim.WithRetention(g.retain))
	if err != nil {
		return nil, err
	}
	return &run{g: g, lease: l, ev: ev, now: now, from: from, to: to, claims: claims{set},
		state:  httpState{db: g.db, table: g.table, pk: pk, retain: g.retain},
		writer: writer{s3: g.s3, bucket: g.bucket, lease: l},
		report: Report{ClientID: ev.ClientID, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly)}}, nil
}

// fetchAll claims and fetches every source, at most g.workers at once.
func (r *run) fetchAll(ctx context.Context, srcs []Source) {
	sem := make(chan struct{}, r.g.workers)
	var wg sync.WaitGroup
	for _, s := range srcs {
		t := &task{src: s, res: SourceResult{SourceKey: s.Key}}
		r.tasks = append(r.tasks, t)
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			r.ingest(ctx, t)
		})
	}
	wg.Wait()
}

// ingest claims one source and fetches it; a failure is logged and kept in
// the task's result.
func (r *run) ingest(ctx context.Context, t *task) {
	seen, err := r.claims.take(ctx, t.src.Key, r.ev.ForceReprocess)
	if errors.Is(err, claim.ErrConflict) {
		t.res.State, t.res.Reason = StateSkipped, conflictReason(seen)
		return
	}
	if err == nil {
		t.held = true
		err = r.fetch(ctx, t)
	}
	if err != nil {
		t.res.State, t.res.Reason = StateFailed, err.Error()
		r.g.log.Warn("ingest source failed", "client_id", r.ev.ClientID, "source_key", t.src.Key,
			"url", t.src.URL(), "error", err.Error())
	}
}

func conflictReason(s claim.State) string {
	if s.State == claim.Claimed {
		return "claimed for this window by " + s.Holder
	}
	return "already " + s.State + " for this window"
}

// fetch GETs the source (conditionally when the remembered validators cover
// the window) and turns its entries into the window's items.
func (r *run) fetch(ctx context.Context, t *task) error {
	link := t.src.URL()
	var v validators
	if !r.ev.ForceReprocess {
		old, err := r.state.read(ctx, t.src.Key)
		if err != nil {
			return err
		}
		if old.covers(link, r.from, r.to) {
			v = old
		}
	}
	resp, err := r.g.fetch.get(ctx, link, v, &t.requests)
	if err != nil {
		return err
	}
	if resp.status == 304 {
		t.res.State = StateNotModified
		return nil
	}
	entries, err := parse(t.src, resp.body)
	if err != nil {
		return fmt.Errorf("%s: %w", link, err)
	}
	t.items, t.res.tally = items(t.src, entries, r.from, r.to, r.now)
	t.res.State, t.res.Items = StateIngested, len(t.items)
	t.v = validators{URL: link, ETag: resp.etag, LastModified: resp.lastModified,
		From: r.report.From, To: r.report.To, Fetched: r.now.UTC().Format(time.DateOnly)}
	return nil
}

func parse(src Source, body []byte) ([]entry, error) {
	if src.Mode == ModeRSS {
		return parseFeed(body)
	}
	base, err := url.Parse(src.HTMLURL)
	if err != nil {
		return nil, err
	}
	return parsePage(body, base, *src.Selectors)
}

// writeAll drops the items already given by an earlier source (in catalog
// order) and merges the rest into their day files.
func (r *run) writeAll(ctx context.Context) error {
	seen := map[string]bool{}
	byDay := map[time.Time][]Item{}
	from := map[time.Time][]*task{}
	for _, t := range r.tasks {
		if t.res.State != StateIngested {
			continue
		}
		kept, dups := dedupe(t.items, seen)
		t.res.Duplicates += dups
		t.res.Items = len(kept)
		for _, it := range kept {
			d := it.day()
			if n := len(from[d]); n == 0 || from[d][n-1] != t {
				from[d] = append(from[d], t)
			}
			byDay[d] = append(byDay[d], it)
		}
	}
	days := make([]time.Time, 0, len(byDay))
	for d := range byDay {
		days = append(days, d)
	}
	sort.Slice(days, func(i, j int) bool { return days[i].Before(days[j]) })
	var errs []error
	for _, d := range days {
		res, err := r.writer.write(ctx, r.ev.ClientID, d, byDay[d])
		r.report.Days = append(r.report.Days, res)
		if err != nil {
			errs = append(errs, err)
			for _, t := range from[d] {
				t.unsaved = true
			}
		}
	}
	return errors.Join(errs...)
}

// finishAll closes the claims this run holds: done when the source's items
// are written (remembering its validators), free otherwise.
func (r *run) finishAll(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	for _, t := range r.tasks {
		if !t.held {
			continue
		}
		if t.unsaved {
			t.res.State, t.res.Reason = StateFailed, "its items could not be written"
		}
		state, n, extra := claim.Free, 0, r.state.update(t.src.Key, t.v, r.now)
		if t.res.State == StateIngested || t.res.State == StateNotModified {
			state, n = claim.Done, t.res.Items
		}
		if state == claim.Free || t.res.State != StateIngested {
			extra = nil
		}
		if err := r.claims.finish(ctx, t.src.Key, state, n, extra); err != nil {
			r.g.log.Warn("ingest claim not closed", "source_key", t.src.Key, "state", state, "error", err.Error())
		}
	}
}

// summarize counts the sources and items into the report and logs it.
func (r *run) summarize() {
	rep := &r.report
	for _, t := range r.tasks {
		t.res.Reason = strings.TrimSpace(t.res.Reason)
		rep.Sources = append(rep.Sources, t.res)
		rep.Requests += int(t.requests.Load())
		rep.Duplicates += t.res.Duplicates
	}
	for _, s := range rep.Sources {
		switch s.State {
		case StateIngested:
			rep.Ingested++
		case StateNotModified:
			rep.NotModified++
		case StateSkipped:
			rep.Skipped++
		case StateFailed:
			rep.Failed++
		}
	}
	for _, d := range rep.Days {
		rep.Items += d.Added + d.Replaced
		rep.Duplicates += d.Duplicates
	}
	r.g.log.Info("ingest summary", "client_id", rep.ClientID, "from", rep.From, "to", rep.To,
		"ingested", rep.Ingested, "not_modified", rep.NotModified, "skipped", rep.Skipped,
		"failed", rep.Failed, "items", rep.Items, "duplicates", rep.Duplicates, "requests", rep.Requests)
}
