// Command localstack is the local stand-in for the AWS services the
// ingest-normalize Lambda uses: it serves DynamoDB (minidyn) and S3
// (gofakes3, path-style) on loopback ports, and has helpers for the local
// scripts and the demo.
//
//	localstack [serve] -dynamodb 127.0.0.1:P -s3 127.0.0.1:Q [-table T] [-buckets a,b]
//	localstack seed    -bucket B -client C [-real DIR] [-n N]
//	localstack inspect -table T [-bucket B -client C] [-bedrock URL] [-watch 1s]
//	localstack invoke  -url http://127.0.0.1:P [-payload JSON] [-out FILE]
//	localstack ports   -n N
//
// Clients find the servers through the standard SDK variables
// (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3, AWS_REGION, static
// credentials). The Bedrock emulator is its own command, bedrock-emulator.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// commands maps a subcommand to its entry point.
var commands = map[string]func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error{
	"serve":   serve,
	"seed":    seed,
	"inspect": inspectMain,
	"ports":   ports,
	"invoke":  invoke,
}

func main() {
	err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "localstack:", err)
		os.Exit(2)
	}
}

// run dispatches to a subcommand; without one it serves.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		if cmd, ok := commands[args[0]]; ok {
			return cmd(ctx, args[1:], getenv, stdout, stderr)
		}
		if args[0] == "help" {
			args = []string{"-help"}
		}
	}
	return serve(ctx, args, getenv, stdout, stderr)
}

// newFlagSet returns a flag set whose -help prints usage and the
// environment variable of each flag.
func newFlagSet(name, usage string, stderr io.Writer, env map[string]string) *flag.FlagSet {
	fs := flag.NewFlagSet("localstack "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "%s\n\nFlags:\n", usage)
		fs.VisitAll(func(f *flag.Flag) {
			e := ""
			if v := env[f.Name]; v != "" {
				e = " (env " + v + ")"
			}
			fmt.Fprintf(stderr, "  -%s%s, default %q\n    \t%s\n", f.Name, e, f.DefValue, f.Usage)
		})
	}
	return fs
}

// parseFlags sets every flag that has an environment variable from it, then
// parses args (flags win).
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string, env map[string]string) error {
	for name, v := range env {
		if val := getenv(v); val != "" {
			if err := fs.Set(name, val); err != nil {
				return fmt.Errorf("%s=%q: %w", v, val, err)
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return nil
}
