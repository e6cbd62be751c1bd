// Command bedrock-emulator serves the Bedrock Runtime emulator of package
// github.com/vectora/ingest-normalize/bedrock/emulator on a local address:
// point the AWS SDK's BaseEndpoint at it.
//
// Every flag falls back to an environment variable (listed by -help); a
// flag given on the command line wins over the variable.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/internal/localaws"
)

// options are the command-line settings.
type options struct {
	addr     string
	models   string
	rpm, tpm int
	burndown float64
	settings emulator.Settings
	window   time.Duration
	ttft     time.Duration
}

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "bedrock-emulator:", err)
		os.Exit(2)
	}
}

// run parses the configuration, serves until ctx ends or SIGINT/SIGTERM,
// then shuts down.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parse(args, getenv, stderr)
	if err != nil {
		return err
	}
	srv, err := emulator.New(emulator.WithSettings(o.settings))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, startLine(ln.Addr().String(), o.settings))
	err = localaws.Serve(ctx, ln, srv)
	fmt.Fprintln(stdout, "bedrock-emulator: stopped")
	return err
}

// envPrefix starts the name of every environment variable.
const envPrefix = "BEDROCK_EMULATOR_"

// envName returns the environment variable of a flag: -fault-503 reads
// BEDROCK_EMULATOR_FAULT_503.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse reads the flags, each falling back to its environment variable.
func parse(args []string, getenv func(string) string, stderr io.Writer) (*options, error) {
	o := &options{settings: emulator.DefaultSettings()}
	fs := flagSet(o, stderr)
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if v := getenv(envName(f.Name)); v != "" && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%s=%q: %w", envName(f.Name), v, err)
			}
		}
	})
	if envErr != nil {
		return nil, envErr
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return o, o.finish()
}

// finish turns the flat flags into settings.
func (o *options) finish() error {
	s := &o.settings
	s.Window = emulator.Duration(o.window)
	s.Latency.FirstToken = emulator.Duration(o.ttft)
	models, err := parseModels(o.models, emulator.Quota{RPM: o.rpm, TPM: o.tpm})
	if err != nil {
		return err
	}
	s.Models = models
	if o.burndown > 0 {
		for id := range models {
			s.Burndown[id] = o.burndown
		}
	}
	return nil
}

// parseModels reads "id,id=RPM:TPM,…"; ids without a quota take def.
func parseModels(list string, def emulator.Quota) (map[string]emulator.Quota, error) {
	out := map[string]emulator.Quota{}
	for _, entry := range strings.Split(list, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		id, quota, found := strings.Cut(entry, "=")
		q := def
		if found {
			rpm, tpm, ok := strings.Cut(quota, ":")
			r, err1 := strconv.Atoi(rpm)
			t, err2 := strconv.Atoi(tpm)
			if !ok || err1 != nil || err2 != nil {
				return nil, fmt.Errorf("-models: %q: want id=RPM:TPM", entry)
			}
			q = emulator.Quota{RPM: r, TPM: t}
		}
		out[id] = q
	}
	if len(out) == 0 {
		return nil, errors.New("-models: no model")
	}
	return out, nil
}

// startLine describes what the server serves.
func startLine(addr string, s emulator.Settings) string {
	ids := make([]string, 0, len(s.Models))
	for id := range s.Models {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	bucket := fmt.Sprintf("token bucket of %g min", s.BurstMinutes)
	if s.Window > 0 {
		bucket = "fixed windows of " + time.Duration(s.Window).String()
	}
	fmt.Fprintf(&b, "bedrock-emulator listening on http://%s (time scale %g, %s, reserve burndown %v, seed %d)",
		addr, s.TimeScale, bucket, s.ReserveBurndown, s.Seed)
	for _, id := range ids {
		q := s.Models[id]
		fmt.Fprintf(&b, "\n  %s: %d RPM, %d TPM", id, q.RPM, q.TPM)
	}
	return b.String()
}
