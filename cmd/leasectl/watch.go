package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/vectora/ingest-normalize/internal/inspect"
	"github.com/vectora/ingest-normalize/lease/budget"
)

func watchFlags(fs *flag.FlagSet) func(context.Context, *app) error {
	interval := fs.Duration("interval", 2*time.Second, "time between two views")
	count := fs.Int("count", 0, "stop after this many views; 0 = until Ctrl-C")
	return func(ctx context.Context, a *app) error {
		switch {
		case *interval <= 0:
			return usagef("--interval %v: want a positive duration", *interval)
		case *count < 0:
			return usagef("--count %d: want 0 (no limit) or a positive count", *count)
		}
		return a.watch(ctx, *interval, *count)
	}
}

// watch prints leases, budgets and claims every interval until ctx ends
// (Ctrl-C) or count views were printed.
func (a *app) watch(ctx context.Context, interval time.Duration, count int) error {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for i := 1; ; i++ {
		if err := a.view(ctx); err != nil {
			return err
		}
		if count > 0 && i >= count {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// view prints one snapshot of the table.
func (a *app) view(ctx context.Context) error {
	t, err := inspect.ReadTable(ctx, a.db, a.table)
	if err != nil {
		return err
	}
	now := a.now()
	l, _ := a.leasesView(t, "", now)
	bs, err := t.Budgets()
	if err != nil {
		return err
	}
	b, _ := budgetsView(bs, "", now, budget.DefaultRecovery)
	c, _ := claimsView(t.Runs(), "")
	return a.output(map[string]any{"now": now.UTC(), "leases": l.Scopes, "budgets": b.Budgets, "runs": c}, func(w io.Writer) {
		fmt.Fprintf(w, "=== %s  table %s\n", now.UTC().Format(stamp), a.table)
		printLeases(w, l)
		fmt.Fprintln(w)
		printBudgets(w, b)
		fmt.Fprintln(w)
		printClaims(w, c)
		fmt.Fprintln(w)
	})
}
