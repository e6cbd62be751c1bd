package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/vectora/ingest-normalize/internal/localaws"
	"github.com/vectora/ingest-normalize/internal/sample"
	"github.com/vectora/ingest-normalize/normalize/item"
)

const seedUsage = `Usage: localstack seed [flags]

Writes raw items to ingested/<client>/<YYYY>/<MM>/<DD>/items.json in the data
bucket at AWS_ENDPOINT_URL_S3: the project's 60 sample items, or with -real
the real items of ../shared/data/*.jsonl (tests and benchmarks only). Prints
the window to invoke with.`

var seedEnv = map[string]string{"bucket": "DATA_BUCKET", "client": "CLIENT_ID"}

func seed(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("seed", seedUsage, stderr, seedEnv)
	bucket := fs.String("bucket", "", "data bucket")
	client := fs.String("client", "demo", "client id")
	real := fs.Bool("real", false, "load ../shared/data/*.jsonl instead of the sample (found from the working directory up)")
	n := fs.Int("n", 0, "at most this many items (0: all)")
	shell := fs.Bool("shell", false, "print SEED_FROM, SEED_TO and SEED_ITEMS as shell assignments")
	if err := parseFlags(fs, args, getenv, seedEnv); err != nil {
		return err
	}
	if *bucket == "" {
		return fmt.Errorf("seed: -bucket (or DATA_BUCKET) is required")
	}
	items, err := loadItems(*real)
	if err != nil {
		return err
	}
	items, _ = sample.Select(items, *n)
	cfg, err := localaws.Config(ctx)
	if err != nil {
		return err
	}
	s3c := localaws.S3(cfg, getenv("AWS_ENDPOINT_URL_S3"))
	got, err := sample.Seed(ctx, s3c, *bucket, *client, items)
	if err != nil {
		return err
	}
	if *shell {
		fmt.Fprintf(stdout, "SEED_FROM=%s\nSEED_TO=%s\nSEED_ITEMS=%d\n", got.From, got.To, len(got.IDs))
		return nil
	}
	fmt.Fprintf(stdout, "seeded %d items for client %s in s3://%s/ingested/%s/: %s\n",
		len(got.IDs), *client, *bucket, *client, daySummary(got.Days))
	fmt.Fprintf(stdout, "invoke with {\"client_id\":%q,\"from_date\":%q,\"to_date\":%q}\n", *client, got.From, got.To)
	return nil
}

func loadItems(real bool) ([]item.Raw, error) {
	if !real {
		return sample.Items(), nil
	}
	files := sample.RealData(".")
	if len(files) == 0 {
		return nil, fmt.Errorf("seed: -real: no ../shared/data/*.jsonl above the working directory")
	}
	return sample.LoadJSONL(files...)
}

func daySummary(days map[string]int) string {
	var parts []string
	for _, d := range slices.Sorted(maps.Keys(days)) {
		parts = append(parts, fmt.Sprintf("%s:%d", d, days[d]))
	}
	return strings.Join(parts, " ")
}
