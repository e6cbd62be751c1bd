package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/vectora/ingest-normalize/internal/inspect"
)

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
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tHOLDER\tCLAIMED\tDONE\tFREE\tITEMS\tOK\tFALLBACK\tFAILED")
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
