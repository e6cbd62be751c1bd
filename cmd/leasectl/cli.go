package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/inspect"
	"github.com/vectora/ingest-normalize/lease"
)

// DB is the part of the DynamoDB API that leasectl calls.
type DB interface {
	inspect.Scanner
	lease.DynamoDB
}

var _ DB = (*dynamodb.Client)(nil)

// opener builds the DynamoDB client; tests give one for an in-process server.
type opener func(ctx context.Context, getenv func(string) string) (DB, error)

var errHelp = errors.New("help")

const usage = `Usage: leasectl [--table T] [--json] COMMAND [flags]

Inspect and tune the coordination table of ingest-normalize.

Commands:
  leases      lease holders: scope, holder, fence, acquired, expires in, last renewal, state
  budget      budget rows: limits, tokens left now, this minute and today, throttle feedback, counters
  claims      runs: batches claimed/done/free and items, by holder
  watch       refresh leases, budget and claims every --interval until Ctrl-C (or --count views)
  set-budget  change a quota's limits or an environment's cap and priority (conditional write)
  set-quota   change the account's quota: tokens per minute and per day, burst, rpm
  pause       pause an environment: no Bedrock call, invocations end at once (resume undoes it)
  resume      resume a paused environment
  release     remove a holder from a scope (a live one only with --force)

Global flags (also accepted after the command):
  --table T   coordination table (default $COORDINATION_TABLE)
  --json      JSON output for scripts
  --time-scale F, --time-epoch MS
              the Lambda's scaled clock (default $TIME_SCALE, $TIME_EPOCH; local stack)

Endpoint, region and credentials come from the standard AWS SDK configuration
(AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION, AWS_PROFILE, ...).

Exit codes: 0 ok, 1 error (AWS failure, not found), 2 usage (bad command,
flag or value), 3 refused (live lease without --force, record changed
between read and write).
Run "leasectl COMMAND --help" for the command's flags.
`

// app is one leasectl invocation.
type app struct {
	db     DB
	table  string
	json   bool
	now    func() time.Time
	leases *lease.Manager // judges liveness and evicts, by the Lambda's rules
	stdout io.Writer
}

// readClock is leasectl's time as a clock.Clock, for the lease manager.
type readClock func() time.Time

func (c readClock) Now() time.Time                         { return c() }
func (c readClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// globals are the flags every command accepts.
type globals struct {
	table, now, epoch string
	scale             float64
	json              bool
}

// fromEnv sets the defaults of the global flags from the environment.
func (g *globals) fromEnv(getenv func(string) string) {
	g.scale, _ = strconv.ParseFloat(getenv("TIME_SCALE"), 64)
	g.scale = max(g.scale, 1)
	g.table, g.epoch = getenv("COORDINATION_TABLE"), getenv("TIME_EPOCH")
}

// register binds the global flags to fs, defaulting to their current
// values: given before the command, they carry over to its flag set.
func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.table, "table", g.table, "coordination table (default $COORDINATION_TABLE)")
	fs.BoolVar(&g.json, "json", g.json, "JSON output")
	fs.Float64Var(&g.scale, "time-scale", g.scale, "the Lambda's TIME_SCALE")
	fs.StringVar(&g.epoch, "time-epoch", g.epoch, "the Lambda's TIME_EPOCH (unix ms)")
	fs.StringVar(&g.now, "now", g.now, "") // hidden: a fixed instant (RFC 3339) for tests
}

// clock returns the time leasectl judges expiry and meters by.
func (g *globals) clock() (func() time.Time, error) {
	if g.now != "" {
		t, err := time.Parse(time.RFC3339Nano, g.now)
		if err != nil {
			return nil, usagef("--now %q: want RFC 3339", g.now)
		}
		return func() time.Time { return t }, nil
	}
	if g.scale == 1 || g.epoch == "" {
		return time.Now, nil
	}
	ms, err := strconv.ParseInt(g.epoch, 10, 64)
	if err != nil || g.scale <= 0 {
		return nil, usagef("--time-epoch %q / --time-scale %v: want unix milliseconds and a positive scale", g.epoch, g.scale)
	}
	return clock.Scaled{Epoch: time.UnixMilli(ms), Scale: g.scale}.Now, nil
}

// command is one subcommand: flags registered on fs, run with the app.
type command struct {
	synopsis string
	flags    func(fs *flag.FlagSet) func(ctx context.Context, a *app) error
}

var commands = map[string]command{
	"leases":     {"leases [--scope S]", leasesFlags},
	"budget":     {"budget [--quota Q] [--recovery F]", budgetFlags},
	"claims":     {"claims [--run R]", claimsFlags},
	"watch":      {"watch [--interval D] [--count N]", watchFlags},
	"set-budget": {"set-budget --quota Q [--tpm T] [--tpd D] [--account-tpd A] [--rpm R] [--burst-ms B] [--env E [--cap P] [--priority N]]", setBudgetFlags},
	"set-quota":  {"set-quota --quota Q [--tpm T] [--tpd D] [--account-tpd A] [--rpm R] [--burst-ms B]", setQuotaFlags},
	"pause":      {"pause --env E [--quota Q] [--reason R]", pauseFlags},
	"resume":     {"resume --env E [--quota Q]", resumeFlags},
	"release":    {"release --scope S --holder H [--force]", releaseFlags},
}

func dispatch(ctx context.Context, args []string, getenv func(string) string, open opener, stdout, stderr io.Writer) error {
	var g globals
	g.fromEnv(getenv)
	top := newFlagSet("leasectl", stderr, func(w io.Writer) { fmt.Fprint(w, usage) })
	g.register(top)
	if err := parse(top, args); err != nil {
		return err
	}
	if top.NArg() == 0 {
		fmt.Fprint(stderr, usage)
		return usagef("no command")
	}
	name := top.Arg(0)
	cmd, ok := commands[name]
	if !ok {
		return usagef("unknown command %q", name)
	}
	fs := newFlagSet(name, stderr, nil)
	g.register(fs)
	runCmd := cmd.flags(fs)
	fs.Usage = func() { fmt.Fprintf(stderr, "Usage: leasectl %s\n\nFlags:\n", cmd.synopsis); printFlags(fs, stderr) }
	if err := parse(fs, top.Args()[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", name, fs.Arg(0))
	}
	if g.table == "" {
		return usagef("--table: empty: give the coordination table or set COORDINATION_TABLE")
	}
	now, err := g.clock()
	if err != nil {
		return err
	}
	db, err := open(ctx, getenv)
	if err != nil {
		return err
	}
	leases, err := lease.NewManager(db, g.table, lease.WithMaxHolders(0), lease.WithClock(readClock(now)))
	if err != nil {
		return err
	}
	return runCmd(ctx, &app{db: db, table: g.table, json: g.json, now: now, leases: leases, stdout: stdout})
}

func newFlagSet(name string, stderr io.Writer, usage func(io.Writer)) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if usage != nil {
		fs.Usage = func() { usage(stderr) }
	}
	return fs
}

// parse turns flag errors into usage errors and -h into errHelp. The flag
// package has already printed the usage by then (it calls fs.Usage on -h
// and on every error): printing it here again showed it twice.
func parse(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return errHelp
	}
	if err != nil {
		return usagef("%s", strings.TrimPrefix(err.Error(), "flag: "))
	}
	return nil
}

// printFlags prints the flags, without the hidden ones (no usage text).
func printFlags(fs *flag.FlagSet, w io.Writer) {
	fs.VisitAll(func(f *flag.Flag) {
		if f.Usage != "" {
			fmt.Fprintf(w, "  --%-12s %s\n", f.Name, f.Usage)
		}
	})
}

// set reports whether flag name was given.
func set(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// output prints a command's result: v as JSON with --json, else text.
func (a *app) output(v any, text func(w io.Writer)) error {
	if a.json {
		return a.emit(v)
	}
	text(a.stdout)
	return nil
}

// emit writes v as indented JSON.
func (a *app) emit(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
