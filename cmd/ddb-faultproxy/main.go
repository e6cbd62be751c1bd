// Command ddb-faultproxy is a fault-injecting proxy for a DynamoDB endpoint:
// point clients (AWS_ENDPOINT_URL_DYNAMODB) at it and it forwards to the
// upstream server, answering some requests with 500 InternalServerError or
// 400 ProvisionedThroughputExceededException, resetting connections, adding
// latency spikes, applying writes upstream before reporting them as
// failed, cancelling transactions with TransactionConflict, answering
// single-item writes with TransactionConflictException, throttling hot
// items and holding requests (applied late); it honours ClientRequestToken
// as DynamoDB does. GET /__faultproxy/stats returns what was injected as JSON; the
// same is printed when the proxy stops.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vectora/ingest-normalize/internal/faultproxy"
	"github.com/vectora/ingest-normalize/internal/localaws"
)

// StatsPath answers with the proxy's Stats as JSON.
const StatsPath = "/__faultproxy/stats"

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// settings is what the flags and environment configure.
type settings struct {
	listen, upstream string
	seed             uint64
	rates            faultproxy.Rates
	noTokens         bool
	overlap          bool
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	s, err := parse(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "ddb-faultproxy:", err)
		return 2
	}
	opts := []faultproxy.Option{faultproxy.WithRates(s.rates), faultproxy.WithSeed(s.seed)}
	if s.noTokens {
		opts = append(opts, faultproxy.WithoutTokens())
	}
	if s.overlap {
		opts = append(opts, faultproxy.WithOverlapConflicts())
	}
	p, err := faultproxy.NewURL(s.upstream, opts...)
	if err != nil {
		fmt.Fprintln(stderr, "ddb-faultproxy:", err)
		return 2
	}
	ln, err := net.Listen("tcp", s.listen)
	if err != nil {
		fmt.Fprintln(stderr, "ddb-faultproxy:", err)
		return 1
	}
	fmt.Fprintf(stdout, "ddb-faultproxy: http://%s -> %s, rates %+v, seed %d\n", ln.Addr(), s.upstream, s.rates, s.seed)
	err = localaws.Serve(context.Background(), ln, Handler(p))
	st, _ := json.Marshal(p.Stats())
	fmt.Fprintf(stdout, "ddb-faultproxy: stats %s\n", st)
	if err != nil {
		fmt.Fprintln(stderr, "ddb-faultproxy:", err)
		return 1
	}
	return 0
}

// Handler serves the stats endpoint and proxies everything else.
func Handler(p *faultproxy.Proxy) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+StatsPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(p.Stats())
	})
	mux.Handle("/", p)
	return mux
}

// parse reads the flags, each defaulting to its environment variable.
func parse(args []string, getenv func(string) string, stderr io.Writer) (settings, error) {
	var s settings
	var faults float64
	fs := flag.NewFlagSet("ddb-faultproxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { usage(fs, stderr) }
	env := envReader{getenv: getenv}
	fs.StringVar(&s.listen, "listen", env.str("FAULTPROXY_LISTEN", "127.0.0.1:8001"), "address to listen on ($FAULTPROXY_LISTEN)")
	fs.StringVar(&s.upstream, "upstream", env.str("FAULTPROXY_UPSTREAM", ""), "DynamoDB endpoint to forward to, required ($FAULTPROXY_UPSTREAM)")
	fs.Uint64Var(&s.seed, "seed", uint64(env.float("FAULTPROXY_SEED", 1)), "seed of the fault draws ($FAULTPROXY_SEED)")
	fs.Float64Var(&faults, "faults", env.float("FAULTPROXY_FAULTS", 0), "total fault rate split evenly over every kind; the flags below override ($FAULTPROXY_FAULTS)")
	r := &s.rates
	fs.Float64Var(&r.Internal, "internal", env.float("FAULTPROXY_INTERNAL", -1), "rate of 500 InternalServerError; -1: its share of -faults ($FAULTPROXY_INTERNAL)")
	fs.Float64Var(&r.Throughput, "throughput", env.float("FAULTPROXY_THROUGHPUT", -1), "rate of 400 ProvisionedThroughputExceededException; -1: its share of -faults ($FAULTPROXY_THROUGHPUT)")
	fs.Float64Var(&r.Reset, "reset", env.float("FAULTPROXY_RESET", -1), "rate of connection resets; -1: its share of -faults ($FAULTPROXY_RESET)")
	fs.Float64Var(&r.Spike, "spike", env.float("FAULTPROXY_SPIKE", -1), "rate of latency spikes; -1: its share of -faults ($FAULTPROXY_SPIKE)")
	fs.DurationVar(&r.SpikeLatency, "spike-latency", env.duration("FAULTPROXY_SPIKE_LATENCY", 200*time.Millisecond), "length of a latency spike ($FAULTPROXY_SPIKE_LATENCY)")
	fs.Float64Var(&r.AppliedFailed, "applied-failed", env.float("FAULTPROXY_APPLIED_FAILED", -1), "rate of writes applied then answered 500; -1: its share of -faults ($FAULTPROXY_APPLIED_FAILED)")
	fs.Float64Var(&r.AppliedDropped, "applied-dropped", env.float("FAULTPROXY_APPLIED_DROPPED", -1), "rate of writes applied then dropped; -1: its share of -faults ($FAULTPROXY_APPLIED_DROPPED)")
	fs.Float64Var(&r.Conflict, "conflict", env.float("FAULTPROXY_CONFLICT", 0), "rate of TransactWriteItems cancelled with TransactionConflict, not applied ($FAULTPROXY_CONFLICT)")
	fs.Float64Var(&r.ItemConflict, "item-conflict", env.float("FAULTPROXY_ITEM_CONFLICT", 0), "rate of PutItem/UpdateItem/DeleteItem answered TransactionConflictException ($FAULTPROXY_ITEM_CONFLICT)")
	fs.Float64Var(&r.Throttle, "throttle", env.float("FAULTPROXY_THROTTLE", 0), "rate of ThrottlingException on a hot item ($FAULTPROXY_THROTTLE)")
	fs.DurationVar(&r.HotWindow, "hot-window", env.duration("FAULTPROXY_HOT_WINDOW", time.Second), "an item touched again within this is hot ($FAULTPROXY_HOT_WINDOW)")
	fs.Float64Var(&r.Hold, "hold", env.float("FAULTPROXY_HOLD", 0), "rate of requests held, then applied even if the client gave up ($FAULTPROXY_HOLD)")
	fs.DurationVar(&r.HoldFor, "hold-for", env.duration("FAULTPROXY_HOLD_FOR", 4*time.Second), "how long a request is held ($FAULTPROXY_HOLD_FOR)")
	fs.BoolVar(&s.overlap, "overlap-conflicts", env.str("FAULTPROXY_OVERLAP_CONFLICTS", "") == "1", "writes applied at the same time on one item conflict, as in DynamoDB ($FAULTPROXY_OVERLAP_CONFLICTS=1)")
	fs.BoolVar(&s.noTokens, "no-tokens", env.str("FAULTPROXY_NO_TOKENS", "") == "1", "ignore ClientRequestToken, as minidyn and moto do ($FAULTPROXY_NO_TOKENS=1)")
	if err := fs.Parse(args); err != nil {
		return s, err
	}
	if env.err != nil {
		return s, env.err
	}
	if fs.NArg() > 0 {
		return s, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if s.upstream == "" {
		return s, errors.New("no upstream: give -upstream http://127.0.0.1:8000 or set FAULTPROXY_UPSTREAM")
	}
	fill(r, faultproxy.Uniform(faults))
	return s, r.Validate()
}

// fill replaces each unset (negative) rate by the uniform share.
func fill(r *faultproxy.Rates, u faultproxy.Rates) {
	for _, p := range []struct {
		dst *float64
		def float64
	}{{&r.Internal, u.Internal}, {&r.Throughput, u.Throughput},
		{&r.Reset, u.Reset}, {&r.Spike, u.Spike}, {&r.AppliedFailed, u.AppliedFailed}, {&r.AppliedDropped, u.AppliedDropped}} {
		if *p.dst < 0 {
			*p.dst = p.def
		}
	}
}

func usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintln(w, `Usage: ddb-faultproxy -upstream URL [flags]

A fault-injecting proxy for a DynamoDB endpoint. Rates are probabilities per
request (0..1), drawn deterministically from the seed and the request number.
Applied-then-failed faults hit writes only (PutItem, UpdateItem, DeleteItem,
TransactWriteItems, BatchWriteItem). -faults covers the faults every server
can produce; -conflict, -item-conflict, -throttle and -hold, which only real
DynamoDB and real networks produce, are set on their own. A retried
TransactWriteItems with the ClientRequestToken of an applied one returns the
first answer for 10 minutes. GET `+StatsPath+` returns the counts.

Example:
  ddb-faultproxy -upstream http://127.0.0.1:8000 -listen 127.0.0.1:8001 -faults 0.05
  ddb-faultproxy -upstream http://127.0.0.1:8000 -conflict 0.2 -hold 0.03 -hold-for 4s -applied-failed 0.03
  AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8001 go test ./lease

Flags:`)
	fs.PrintDefaults()
}

// envReader reads defaults from the environment and keeps the first error.
type envReader struct {
	getenv func(string) string
	err    error
}

func (e *envReader) str(name, def string) string {
	if v := strings.TrimSpace(e.getenv(name)); v != "" {
		return v
	}
	return def
}

func (e *envReader) float(name string, def float64) float64 {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil && e.err == nil {
		e.err = fmt.Errorf("%s=%q: not a number", name, v)
	}
	return f
}

func (e *envReader) duration(name string, def time.Duration) time.Duration {
	v := e.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil && e.err == nil {
		e.err = fmt.Errorf("%s=%q: not a duration such as 200ms", name, v)
	}
	return d
}
