package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/vectora/ingest-normalize/internal/inspect"
	"github.com/vectora/ingest-normalize/lease/budget"
)

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
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  METER\tEFFECTIVE RATE\tTAT AHEAD\tBURST USED")
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
