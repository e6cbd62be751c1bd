package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/vectora/ingest-normalize/internal/inspect"
	"github.com/vectora/ingest-normalize/lease/budget"
)

// show runs a read-only command (leases, claims, budget): it reads the
// table once, builds the view asked for and prints it: as JSON with --json,
// else with print.
func show[V any](ctx context.Context, a *app, build func(inspect.Table) (V, error), print func(io.Writer, V)) error {
	t, err := inspect.ReadTable(ctx, a.db, a.table)
	if err != nil {
		return err
	}
	v, err := build(t)
	if err != nil {
		return err
	}
	return a.output(v, func(w io.Writer) { print(w, v) })
}

// leasesFlags declares the flags of leases: the holders of every scope.
func leasesFlags(fs *flag.FlagSet) func(context.Context, *app) error {
	scope := fs.String("scope", "", "only this scope (for example ingest-normalize/dev)")
	return func(ctx context.Context, a *app) error {
		build := func(t inspect.Table) (leasesOut, error) { return a.leasesView(t, *scope, a.now()) }
		return show(ctx, a, build, printLeases)
	}
}

// leaseRow is one holder as leasectl shows it.
type leaseRow struct {
	Scope       string    `json:"scope"`
	Holder      string    `json:"holder"`
	Fence       int64     `json:"fence"`
	Acquired    time.Time `json:"acquired"`
	Renewed     time.Time `json:"renewed"`
	Expires     time.Time `json:"expires"`
	ExpiresInMS int64     `json:"expires_in_ms"` // negative once expired
	RenewedMS   int64     `json:"renewed_ago_ms"`
	State       string    `json:"state"` // live or expired
}

// scopeView is one scope record: its last fence and its holders.
type scopeView struct {
	Scope   string     `json:"scope"`
	Fence   int        `json:"last_fence"`
	Holders []leaseRow `json:"holders"`
}

type leasesOut struct {
	Now    time.Time   `json:"now"`
	Scopes []scopeView `json:"scopes"`
}

func (a *app) leasesView(t inspect.Table, only string, now time.Time) (leasesOut, error) {
	out := leasesOut{Now: now.UTC(), Scopes: []scopeView{}}
	if _, ok := t.Scopes[only]; only != "" && !ok {
		return out, fmt.Errorf("scope %q not found in the table", only)
	}
	names := make([]string, 0, len(t.Scopes))
	for s := range t.Scopes {
		if only == "" || s == only {
			names = append(names, s)
		}
	}
	sort.Strings(names)
	for _, s := range names {
		v := scopeView{Scope: s, Fence: t.Scopes[s], Holders: []leaseRow{}}
		for _, h := range t.Holders {
			if h.Scope == s {
				v.Holders = append(v.Holders, a.leaseRow(h, now))
			}
		}
		out.Scopes = append(out.Scopes, v)
	}
	return out, nil
}

// leaseRow shows h at now; live or expired by the lease manager's rule
// (expiry plus the skew margin), the one peers act on.
func (a *app) leaseRow(h inspect.Holder, now time.Time) leaseRow {
	state := "live"
	if !a.leases.Live(h.Holder, now) {
		state = "expired"
	}
	return leaseRow{Scope: h.Scope, Holder: h.ID, Fence: h.Fence, Acquired: h.Acquired.UTC(), Renewed: h.Renewed.UTC(),
		Expires: h.Expires.UTC(), ExpiresInMS: h.Expires.Sub(now).Milliseconds(),
		RenewedMS: now.Sub(h.Renewed).Milliseconds(), State: state}
}

func printLeases(w io.Writer, v leasesOut) {
	if len(v.Scopes) == 0 {
		fmt.Fprintln(w, "no lease scopes")
		return
	}
	tw := newTable(w, "SCOPE\tHOLDER\tFENCE\tACQUIRED\tEXPIRES IN\tLAST RENEWAL\tSTATE")
	for _, s := range v.Scopes {
		if len(s.Holders) == 0 {
			fmt.Fprintf(tw, "%s\t(none)\t%d\t\t\t\tfree\n", s.Scope, s.Fence)
		}
		for _, h := range s.Holders {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s ago\t%s\n", h.Scope, h.Holder, h.Fence,
				h.Acquired.Format(stamp), seconds(h.ExpiresInMS), seconds(h.RenewedMS), h.State)
		}
	}
	tw.Flush()
}

// newTable returns a writer of aligned columns on w, header its first line;
// Flush it at the end.
func newTable(w io.Writer, header string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	return tw
}

// stamp is how leasectl prints instants: UTC, milliseconds.
const stamp = "2006-01-02T15:04:05.000Z"

func seconds(ms int64) string { return fmt.Sprintf("%.1fs", float64(ms)/1000) }

// claimsFlags declares the flags of claims: the batches of every run.
func claimsFlags(fs *flag.FlagSet) func(context.Context, *app) error {
	runKey := fs.String("run", "", "only this run: its run key, or <env>/<run key>")
	return func(ctx context.Context, a *app) error {
		build := func(t inspect.Table) (claimsOut, error) {
			v, err := claimsView(t.Runs(), *runKey)
			return claimsOut{v}, err
		}
		return show(ctx, a, build, func(w io.Writer, v claimsOut) { printClaims(w, v.Runs) })
	}
}

// claimsOut is what leasectl claims --json prints.
type claimsOut struct {
	Runs []runView `json:"runs"`
}

// runView is one run as leasectl shows it.
type runView struct {
	Env      string                   `json:"env"`
	Key      string                   `json:"run_key"`
	Total    inspect.Tally            `json:"total"`
	ByHolder map[string]inspect.Tally `json:"by_holder"`
}

func claimsView(runs []inspect.Run, only string) ([]runView, error) {
	out := []runView{}
	for _, r := range runs {
		if only == "" || only == r.Key || only == r.Env+"/"+r.Key {
			out = append(out, runView{Env: r.Env, Key: r.Key, Total: r.Tally(), ByHolder: r.ByHolder()})
		}
	}
	if only != "" && len(out) == 0 {
		return out, fmt.Errorf("run %q not found in the table", only)
	}
	return out, nil
}

func printClaims(w io.Writer, runs []runView) {
	if len(runs) == 0 {
		fmt.Fprintln(w, "no runs")
		return
	}
	tw := newTable(w, "RUN\tHOLDER\tCLAIMED\tDONE\tFREE\tITEMS\tOK\tFALLBACK\tFAILED")
	for _, r := range runs {
		name := r.Env + "/" + r.Key
		tallyRow(tw, name, "(all)", r.Total)
		for _, h := range sortedKeys(r.ByHolder) {
			tallyRow(tw, "", h, r.ByHolder[h])
		}
	}
	tw.Flush()
}

func tallyRow(w io.Writer, run, holder string, t inspect.Tally) {
	fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", run, holder,
		t.Batches["claimed"], t.Batches["done"], t.Batches["free"], t.Items, t.OK, t.Fallback, t.Failed)
}

// budgetFlags declares the flags of budget: every budget row, as now.
func budgetFlags(fs *flag.FlagSet) func(context.Context, *app) error {
	quota := fs.String("quota", "", "only this quota: <region>/<model or inference profile>")
	recovery := fs.Float64("recovery", budget.DefaultRecovery, "throttle-feedback recovery per second the Lambda uses")
	return func(ctx context.Context, a *app) error {
		if *recovery <= 0 || *recovery > 1 {
			return usagef("--recovery %v: want a fraction per second within (0, 1]", *recovery)
		}
		build := func(t inspect.Table) (budgetsOut, error) {
			bs, err := t.Budgets()
			if err != nil {
				return budgetsOut{}, err
			}
			return budgetsView(bs, *quota, a.now(), *recovery)
		}
		return show(ctx, a, build, printBudgets)
	}
}

// budgetView is one budget row as leasectl shows it.
type budgetView struct {
	Quota     string             `json:"quota"`
	RPM       float64            `json:"rpm"`
	TPM       float64            `json:"tpm"`
	BurstMS   int64              `json:"burst_ms"`
	Envs      map[string]envView `json:"envs"`
	TFactor   float64            `json:"token_factor"`   // throttle feedback now, recovered
	RFactor   float64            `json:"request_factor"` //
	Meters    []meterView        `json:"meters"`
	Admitted  int64              `json:"admitted_requests"`
	Reserved  int64              `json:"reserved_tokens"`
	Refunded  int64              `json:"refunded_tokens"`
	Net       int64              `json:"net_tokens"`
	Throttles int64              `json:"throttles"`
	Writes    int64              `json:"writes"`
	// What the quota has left: tokens admissible at once (the burst left)
	// and within the next minute, and today under the binding daily quota.
	LeftNow    int64   `json:"tokens_left_now"`
	LeftMinute int64   `json:"tokens_left_next_minute"`
	DayLimit   float64 `json:"day_limit"`
	DayQuota   string  `json:"day_quota"`
	LeftToday  int64   `json:"tokens_left_today"`
	DayResets  string  `json:"day_resets_at"`
}

type meterView struct {
	Attr      string  `json:"attr"`
	Unit      string  `json:"unit"`
	PerMinute float64 `json:"effective_per_minute"`
	AheadMS   int64   `json:"tat_ahead_ms"`
	BurstUsed float64 `json:"burst_used"`
}

type budgetsOut struct {
	Now     time.Time    `json:"now"`
	Budgets []budgetView `json:"budgets"`
}

func budgetsView(bs []budget.Row, only string, now time.Time, recovery float64) (budgetsOut, error) {
	out := budgetsOut{Now: now.UTC(), Budgets: []budgetView{}}
	for _, b := range bs {
		if only == "" || b.Quota == only {
			out.Budgets = append(out.Budgets, newBudgetView(b, now, recovery))
		}
	}
	if only != "" && len(out.Budgets) == 0 {
		return out, fmt.Errorf("quota %q has no budget row", only)
	}
	return out, nil
}

func newBudgetView(b budget.Row, now time.Time, recovery float64) budgetView {
	b.Recovery = recovery
	v := budgetView{Quota: b.Quota, RPM: b.RPM, TPM: b.TPM, BurstMS: b.Burst, Envs: envViews(b.Envs),
		TFactor: b.Factor(budget.Tokens, now), RFactor: b.Factor(budget.Requests, now),
		Admitted: b.Admitted, Reserved: b.Reserved, Refunded: b.Refunded, Net: b.Net(),
		Throttles: b.Throttles, Writes: b.Writes, LeftToday: b.DayLeft(now),
		DayResets: now.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour).Format(time.RFC3339)}
	v.LeftNow, v.LeftMinute = b.MinuteLeft(now)
	v.DayLimit, v.DayQuota = b.DayLimit()
	for _, m := range b.Meters(now) {
		v.Meters = append(v.Meters, meterView{Attr: m.Attr, Unit: m.Quota.String(), PerMinute: m.PerMinute,
			AheadMS: m.Ahead.Milliseconds(), BurstUsed: m.BurstUsed})
	}
	return v
}

func printBudgets(w io.Writer, v budgetsOut) {
	if len(v.Budgets) == 0 {
		fmt.Fprintln(w, "no budget rows")
	}
	for i, b := range v.Budgets {
		if i > 0 {
			fmt.Fprintln(w)
		}
		printBudget(w, b)
	}
}

func printBudget(w io.Writer, b budgetView) {
	fmt.Fprintf(w, "budget %s\n", b.Quota)
	rpm := "no rpm"
	if b.RPM > 0 {
		rpm = fmt.Sprintf("%g rpm", b.RPM)
	}
	fmt.Fprintf(w, "  limits    %g tpm, %s, burst %d ms; %s %.0f\n", b.TPM, rpm, b.BurstMS, b.DayQuota, b.DayLimit)
	fmt.Fprintf(w, "  left      %d tokens at once, %d within the next minute; %d today (resets %s)\n",
		b.LeftNow, b.LeftMinute, b.LeftToday, b.DayResets)
	fmt.Fprintf(w, "  feedback  tokens x%.2f, requests x%.2f\n", b.TFactor, b.RFactor)
	fmt.Fprintf(w, "  totals    admitted %d requests; tokens reserved %d, refunded %d, net %d; throttles %d; writes %d\n",
		b.Admitted, b.Reserved, b.Refunded, b.Net, b.Throttles, b.Writes)
	tw := newTable(w, "  METER\tEFFECTIVE RATE\tTAT AHEAD\tBURST USED")
	for _, m := range b.Meters {
		fmt.Fprintf(tw, "  %s\t%.6g %s/min\t%s\t%.0f%%\n", m.Attr, m.PerMinute, m.Unit, seconds(m.AheadMS), 100*m.BurstUsed)
	}
	tw.Flush()
	if len(b.Envs) == 0 {
		return
	}
	fmt.Fprintln(tw, "  ENV\tCAP\tPRIORITY\tSTATE")
	for _, name := range sortedKeys(b.Envs) {
		e := b.Envs[name]
		state := "running"
		if e.Paused {
			state = "paused: " + e.Reason
		}
		fmt.Fprintf(tw, "  %s\t%g\t%d\t%s\n", name, e.Cap, e.Priority, state)
	}
	tw.Flush()
}

// envView is an environment's share of a quota.
type envView struct {
	Cap      float64 `json:"cap"`
	Priority int     `json:"priority"`
	Paused   bool    `json:"paused,omitempty"`
	Reason   string  `json:"reason,omitempty"`
}

func envViews(envs map[string]budget.EnvLimit) map[string]envView {
	out := make(map[string]envView, len(envs))
	for name, e := range envs {
		out[name] = envView{Cap: e.Cap, Priority: e.Priority, Paused: e.Paused, Reason: e.Reason}
	}
	return out
}
