package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/internal/inspect"
	"github.com/vectora/ingest-normalize/internal/localaws"
)

const inspectUsage = `Usage: localstack inspect [flags]

Prints the lease table (scope, holder, fence, expires), the rows of the
coordination table by kind, the Bedrock emulator's counters and the
normalized records by status and by holder. With -watch, prints one short
progress line per live invocation every interval until SIGINT/SIGTERM.
Endpoints come from AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3 and
AWS_ENDPOINT_URL_BEDROCK_RUNTIME.`

var inspectEnv = map[string]string{
	"table": "COORDINATION_TABLE", "bucket": "DATA_BUCKET", "client": "CLIENT_ID",
	"bedrock": "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "time-scale": "TIME_SCALE", "time-epoch": "TIME_EPOCH",
}

type inspectOptions struct {
	table, bucket, client, bedrock string
	watch                          time.Duration
	responses                      string
	clock                          lambdaClock
}

func inspectMain(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var o inspectOptions
	fs := newFlagSet("inspect", inspectUsage, stderr, inspectEnv)
	fs.StringVar(&o.table, "table", "", "coordination table")
	fs.StringVar(&o.bucket, "bucket", "", "data bucket (records are skipped if empty)")
	fs.StringVar(&o.client, "client", "demo", "client id")
	fs.StringVar(&o.bedrock, "bedrock", "", "Bedrock emulator URL (stats are skipped if empty)")
	fs.DurationVar(&o.watch, "watch", 0, "print progress lines at this interval instead of a summary")
	fs.StringVar(&o.responses, "responses", "", "invocation response files to summarize, comma separated")
	fs.Float64Var(&o.clock.scale, "time-scale", 1, "the Lambda's TIME_SCALE, to tell live holders from expired ones")
	fs.StringVar(&o.clock.epoch, "time-epoch", "", "the Lambda's TIME_EPOCH (unix milliseconds)")
	if err := parseFlags(fs, args, getenv, inspectEnv); err != nil {
		return err
	}
	st, err := newState(ctx, o, getenv)
	if err != nil {
		return err
	}
	if o.watch > 0 {
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		return st.watch(ctx, stdout)
	}
	return st.summary(ctx, stdout)
}

// state reads everything inspect prints.
type state struct {
	o     inspectOptions
	db    inspect.Scanner
	s3    inspect.Bucket
	start time.Time
}

func newState(ctx context.Context, o inspectOptions, getenv func(string) string) (*state, error) {
	cfg, err := localaws.Config(ctx)
	if err != nil {
		return nil, err
	}
	st := &state{o: o, start: time.Now()}
	if o.table != "" {
		st.db = localaws.DynamoDB(cfg, getenv("AWS_ENDPOINT_URL_DYNAMODB"))
	}
	if o.bucket != "" {
		st.s3 = localaws.S3(cfg, getenv("AWS_ENDPOINT_URL_S3"))
	}
	return st, nil
}

// summary prints every section once.
func (st *state) summary(ctx context.Context, w io.Writer) error {
	if st.o.responses != "" {
		printResponses(w, strings.Split(st.o.responses, ","))
	}
	if st.db != nil {
		t, err := inspect.ReadTable(ctx, st.db, st.o.table)
		if err != nil {
			return err
		}
		printTable(w, st.o.table, t, st.o.clock.now())
	}
	if st.o.bedrock != "" {
		s, err := emulator.ReadStats(ctx, st.o.bedrock)
		if err != nil {
			return err
		}
		printStats(w, s)
	}
	if st.s3 != nil {
		r, err := inspect.ReadRecords(ctx, st.s3, st.o.bucket, st.o.client)
		if err != nil {
			return err
		}
		printRecords(w, st.o.bucket, st.o.client, r)
	}
	return nil
}

// watch prints progress until ctx ends.
func (st *state) watch(ctx context.Context, w io.Writer) error {
	tick := time.NewTicker(st.o.watch)
	defer tick.Stop()
	for {
		if err := st.progress(ctx, w); err != nil && ctx.Err() == nil {
			fmt.Fprintf(w, "[%5.1fs] %v\n", time.Since(st.start).Seconds(), err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
