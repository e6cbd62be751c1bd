// Command bench runs the benchmark suite of internal/bench: the coordinated
// Lambda against the original strategies on one Bedrock emulator quota, and
// writes a Markdown table, a CSV and PNG plots to the output folder.
//
//	go run ./cmd/bench                 # the full suite (make bench)
//	go run ./cmd/bench -quick          # K = 3 comparison on 24 items (make bench-quick)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/internal/bench"
	"github.com/vectora/ingest-normalize/internal/sample"
	"github.com/vectora/ingest-normalize/normalize/item"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		quick   = flag.Bool("quick", false, "K = 3 comparison only, on -items-max 24 unless set: the CI smoke run")
		source  = flag.String("items", "auto", `items: "auto" (../shared/data/*.jsonl when present, else the sample items), "sample", or comma-separated .jsonl files`)
		maxN    = flag.Int("items-max", 0, "use the first n usable items; 0 = all")
		ks      = flag.String("k", "1,3,10,30", "K values of the sweep, or none")
		compare = flag.Int("compare", 3, "K of the strategy comparison")
		scale   = flag.Float64("scale", 20, "time scale: one emulated minute lasts 60/scale s")
		rpm     = flag.Int("rpm", 0, "emulator and budget quota: requests per minute; 0 = none, as Bedrock since May 2026")
		tpm     = flag.Int("tpm", 100_000, "emulator and budget quota: tokens per minute")
		out     = flag.String("out", "bench/out", "output folder")
		only    = flag.String("strategies", "", "comma-separated strategies of the comparison (default all four)")
		burst   = flag.Int64("burst-ms", 10_000, "budget burst in ms of quota (the Lambda's QUOTA_BURST_MS)")
		claim   = flag.Int("claim-batch", 8, "items per claimed batch (the Lambda's CLAIM_BATCH)")
		ttl     = flag.Duration("lease-ttl", 60*time.Second, "lease lifetime without renewal (the Lambda's LEASE_TTL)")
		sweepC  = flag.Duration("sweep-cap", 5*time.Minute, "emulated time cap of uncoordinated sweep runs with K > -compare")
		beside  = flag.String("beside", "0.1,0.3,0.5,0.3@1m,0.3@0-2m", `other applications to run coordinated beside: share[@start][-stop], comma separated, or none`)
		caching = flag.Bool("caching", true, "also compare coordinated with and without prompt caching at K = -compare")
	)
	flag.Parse()
	items, from, err := loadItems(*source)
	if err != nil {
		return err
	}
	cfg := bench.Config{Items: items, MaxItems: *maxN, Compare: *compare, Scale: *scale,
		Quota: emulator.Quota{RPM: *rpm, TPM: *tpm}, BurstMS: *burst, Workers: 4, WorkerCap: 8, ClaimBatch: *claim, LeaseTTL: *ttl,
		MaxTokens: 512, MaxHolders: 0, SweepCap: *sweepC, Pooling: true, Caching: *caching, Log: os.Stderr}
	if *only != "" {
		cfg.Strategies = strings.Split(*only, ",")
	}
	if !*quick && *beside != "none" {
		if cfg.Beside, err = parseBeside(*beside); err != nil {
			return err
		}
	}
	if *quick {
		cfg.Pooling = false
		if cfg.MaxItems == 0 {
			cfg.MaxItems = 24
		}
	} else if *ks != "none" {
		if cfg.Sweep, err = parseKs(*ks); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "items from %s; quota %d TPM, %d RPM (0: none); time scale %g\n", from, *tpm, *rpm, *scale)
	res, err := bench.Run(context.Background(), cfg)
	if err != nil {
		return err
	}
	res.Source = from
	if err := bench.Write(res, *out, os.Stdout); err != nil {
		return err
	}
	if *quick {
		fmt.Println("\nSmoke run: it checks that the benchmark runs. On so few items the per-invocation costs dominate; the targets are judged on make bench's full run.")
	}
	return nil
}

func loadItems(source string) ([]item.Raw, string, error) {
	switch source {
	case "sample":
		return sample.Items(), "the project's sample items", nil
	case "auto":
		files := sample.RealData(".")
		if len(files) == 0 {
			return sample.Items(), "the project's sample items", nil
		}
		items, err := sample.LoadJSONL(files...)
		return items, strings.Join(files, ", "), err
	}
	files := strings.Split(source, ",")
	items, err := sample.LoadJSONL(files...)
	return items, source, err
}

func parseKs(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k < 1 {
			return nil, fmt.Errorf("-k: %q is not a positive integer", f)
		}
		out = append(out, k)
	}
	return out, nil
}

// parseBeside reads other applications: share[@start][-stop], for example
// 0.3 (constant), 0.3@1m (starting a minute in), 0.3@0-2m (stopping at 2
// minutes), in emulated time.
func parseBeside(s string) ([]emulator.Tenant, error) {
	var out []emulator.Tenant
	for _, f := range strings.Split(s, ",") {
		share, when, _ := strings.Cut(f, "@")
		var o emulator.Tenant
		var err error
		if o.Share, err = strconv.ParseFloat(share, 64); err != nil || o.Share <= 0 || o.Share >= 1 {
			return nil, fmt.Errorf("-beside %q: want a share within (0, 1)", f)
		}
		if when != "" {
			start, stop, hasStop := strings.Cut(when, "-")
			var d time.Duration
			if start != "0" {
				d, err = time.ParseDuration(start)
			}
			if err != nil {
				return nil, fmt.Errorf("-beside %q: start: %w", f, err)
			}
			o.Start = emulator.Duration(d)
			if hasStop {
				d, err := time.ParseDuration(stop)
				if err != nil || d <= time.Duration(o.Start) {
					return nil, fmt.Errorf("-beside %q: want a stop after the start", f)
				}
				o.Stop = emulator.Duration(d)
			}
		}
		out = append(out, o)
	}
	return out, nil
}
