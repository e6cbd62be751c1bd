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
		t, err := inspect.ReadTable(ctx, a.db, a.table)
		if err != nil {
			return err
		}
		bs, err := t.Budgets()
		if err != nil {
			return err
		}
		v, err := budgetsView(bs, *quota, a.now(), *recovery)
		if err != nil {
			return err
		}
		if a.json {
			return a.emit(v)
		}
		printBudgets(a.stdout, v)
		return nil
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
		Throttles: b.Throttles, Writes: b.Writes}
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
	fmt.Fprintf(w, "  limits    %g rpm, %g tpm, burst %d ms\n", b.RPM, b.TPM, b.BurstMS)
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
	fmt.Fprintln(tw, "  ENV\tCAP\tPRIORITY")
	for _, name := range sortedKeys(b.Envs) {
		e := b.Envs[name]
		fmt.Fprintf(tw, "  %s\t%g\t%d\n", name, e.Cap, e.Priority)
	}
	tw.Flush()
}

// envView is an environment's share of a quota.
type envView struct {
	Cap      float64 `json:"cap"`
	Priority int     `json:"priority"`
}

func envViews(envs map[string]budget.EnvLimit) map[string]envView {
	out := make(map[string]envView, len(envs))
	for name, e := range envs {
		out[name] = envView{Cap: e.Cap, Priority: e.Priority}
	}
	return out
}
