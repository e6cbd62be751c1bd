package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/inspect"
	"github.com/vectora/ingest-normalize/lease"
)

// lambdaClock reads the Lambda's (possibly scaled) time.
type lambdaClock struct {
	scale float64
	epoch string
}

func (c lambdaClock) now() time.Time {
	ms, err := strconv.ParseInt(c.epoch, 10, 64)
	if c.scale <= 0 || c.scale == 1 || err != nil {
		return time.Now()
	}
	return clock.Scaled{Epoch: time.UnixMilli(ms), Scale: c.scale}.Now()
}

// live is the lease manager's liveness rule with its default skew margin,
// the one the Lambda's invocations act on.
var live = func() func(lease.Holder, time.Time) bool {
	m, err := lease.NewManager(nil, "-")
	if err != nil {
		panic(err)
	}
	return m.Live
}()

func printTable(w io.Writer, name string, t inspect.Table, now time.Time) {
	fmt.Fprintf(w, "lease table %s: rows %s\n", name, counts(t.Kinds))
	for scope, fence := range t.Scopes {
		fmt.Fprintf(w, "  scope %s: last fence %d, %d holder(s)\n", scope, fence, countScope(t.Holders, scope))
	}
	if len(t.Holders) == 0 {
		fmt.Fprintln(w, "  no lease held")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  SCOPE\tHOLDER\tFENCE\tACQUIRED\tEXPIRES\tSTATE")
	for _, h := range t.Holders {
		state := "live"
		if !live(h.Holder, now) {
			state = "expired"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\t%s\n", h.Scope, invocationName(h.ID), h.Fence,
			h.Acquired.UTC().Format("15:04:05.000"), h.Expires.UTC().Format("15:04:05.000"), state)
	}
	tw.Flush()
}

func countScope(hs []inspect.Holder, scope string) int {
	n := 0
	for _, h := range hs {
		if h.Scope == scope {
			n++
		}
	}
	return n
}

func printStats(w io.Writer, s emulator.Stats) {
	c := s.Sum()
	fmt.Fprintf(w, "bedrock emulator (time scale %g, %.1f emulated min): calls admitted %d, completed %d, throttled %d (tokens %d, requests %d), peak in flight %d, tokens in %d out %d\n",
		s.TimeScale, s.EmulatedMinutes, c.Admitted, c.Completed, c.Throttled(), c.ThrottledTokens, c.ThrottledRequests,
		c.PeakInFlight, c.InputTokens, c.OutputTokens)
	for id, m := range s.Models {
		if m.Admitted+m.Throttled.Tokens+m.Throttled.Requests > 0 {
			fmt.Fprintf(w, "  %s: quota %d RPM / %d TPM, settled per minute %v\n", id, m.Quota.RPM, m.Quota.TPM, m.SettledPerMinute)
		}
	}
}

func printRecords(w io.Writer, bucket, client string, r inspect.Records) {
	fmt.Fprintf(w, "records in s3://%s/normalized/%s/: %d items, %d day files; by status %s\n",
		bucket, client, len(r.Items), len(r.DayFiles), counts(r.ByStatus()))
	for h, n := range r.ByHolder() {
		fmt.Fprintf(w, "  written by %s: %d\n", invocationName(h), n)
	}
	if len(r.Items) > 0 {
		rec := r.Items[0]
		body, err := json.MarshalIndent(rec.Record, "  ", "  ")
		if err == nil {
			fmt.Fprintf(w, "one record, s3://%s/%s:\n  %s\n", bucket, rec.Key, body)
		}
	}
}

// progress prints one line per holder that has a live lease or records.
func (st *state) progress(ctx context.Context, w io.Writer) error {
	head := fmt.Sprintf("[%5.1fs]", time.Since(st.start).Seconds())
	if st.o.bedrock != "" {
		if s, err := emulator.ReadStats(ctx, st.o.bedrock); err == nil {
			c := s.Sum()
			head += fmt.Sprintf(" bedrock: %d done, %d in flight, %d throttled", c.Completed, c.InFlight, c.Throttled())
		}
	}
	lines := map[string]string{}
	if st.db != nil {
		t, err := inspect.ReadTable(ctx, st.db, st.o.table)
		if err != nil {
			return err
		}
		for _, h := range t.Holders {
			lines[short(h.ID)] = fmt.Sprintf("lease fence %d until %s", h.Fence, h.Expires.UTC().Format("15:04:05"))
		}
	}
	total := 0
	if st.s3 != nil {
		r, err := inspect.ReadRecords(ctx, st.s3, st.o.bucket, st.o.client)
		if err != nil {
			return err
		}
		total = len(r.Items)
		for h, n := range r.ByHolder() {
			h = short(h)
			l := lines[h]
			if l == "" {
				l = "lease released"
			}
			lines[h] = fmt.Sprintf("%3d records, %s", n, l)
		}
	}
	fmt.Fprintf(w, "%s, %d records in all\n", head, total)
	ids := make([]string, 0, len(lines))
	for id := range lines {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Fprintf(w, "          %s: %s\n", invocationName(id), lines[id])
	}
	return nil
}

// short abbreviates a holder id ("<request id>-<random>") to its first
// eight characters.
func short(holder string) string {
	if len(holder) > 8 {
		return holder[:8]
	}
	return holder
}

// invocationName is the one name the demo gives an invocation everywhere
// (progress lines, responses, the lease table, the records): "invocation"
// and the first eight characters of its holder id, which is its request id.
func invocationName(holder string) string {
	if holder == "" {
		return "invocation ?"
	}
	return "invocation " + short(holder)
}

// holderOf returns the lease holder of a response, "" when it has none.
func holderOf(body []byte) string {
	var r struct {
		Lease struct {
			Holder string `json:"holder"`
		} `json:"lease"`
	}
	_ = json.Unmarshal(body, &r)
	return r.Lease.Holder
}

// printResponses prints each response's scalar fields on one line, under
// the invocation's name.
func printResponses(w io.Writer, files []string) {
	for _, f := range files {
		data, err := os.ReadFile(strings.TrimSpace(f))
		if err != nil {
			fmt.Fprintf(w, "%s: %v\n", f, err)
			continue
		}
		fmt.Fprintf(w, "%s: %s\n", invocationName(holderOf(data)), oneLine(data))
	}
}

// flatten lists the scalar leaves of v as path=value; long lists are
// summarized by their length.
func flatten(prefix string, v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(p, x[k], out)
		}
	case []any:
		*out = append(*out, fmt.Sprintf("%s=[%d]", prefix, len(x)))
	case string:
		*out = append(*out, fmt.Sprintf("%s=%q", prefix, x))
	default:
		*out = append(*out, fmt.Sprintf("%s=%v", prefix, x))
	}
}

func counts(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return "{" + strings.Join(parts, " ") + "}"
}
