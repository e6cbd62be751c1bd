// Command leasectl inspects and tunes the coordination table of
// ingest-normalize: lease holders, the shared Bedrock budgets, the run and
// batch claims.
//
//	leasectl [global flags] leases [--scope S]
//	leasectl [global flags] budget [--quota Q] [--recovery F]
//	leasectl [global flags] claims [--run R]
//	leasectl [global flags] watch [--interval D] [--count N]
//	leasectl [global flags] set-budget --quota Q [--tpm T] [--tpd D] [--account-tpd A] [--rpm R] [--burst-ms B] [--env E [--cap P] [--priority N]]
//	leasectl [global flags] set-quota --quota Q [--tpm T] [--tpd D] [--account-tpd A] [--rpm R] [--burst-ms B]
//	leasectl [global flags] pause --env E [--quota Q] [--reason R]
//	leasectl [global flags] resume --env E [--quota Q]
//	leasectl [global flags] release --scope S --holder H [--force]
//
// Global flags (before or after the command): --table (default
// $COORDINATION_TABLE), --json (machine-readable output). Endpoint, region
// and credentials come only from the standard SDK configuration
// (AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION, AWS_PROFILE…). When the Lambda
// runs on a scaled clock (the local stack), TIME_SCALE and TIME_EPOCH (or
// --time-scale, --time-epoch) make leasectl read the same clock.
//
// Exit codes: 0 ok; 1 error (AWS call failed, scope, holder or quota not
// found); 2 usage (unknown command or flag, invalid value — the message
// names the flag); 3 refused (a live lease without --force, or the record
// changed between leasectl's read and its conditional write).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Exit codes.
const (
	exitOK      = 0
	exitError   = 1
	exitUsage   = 2
	exitRefused = 3
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, openDynamoDB, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// openDynamoDB builds a client from the standard SDK configuration.
// Response checksums are not validated when the endpoint is overridden:
// local servers (minidyn) send none.
func openDynamoDB(ctx context.Context, getenv func(string) string) (DB, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	local := getenv("AWS_ENDPOINT_URL_DYNAMODB") != "" || getenv("AWS_ENDPOINT_URL") != ""
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.DisableValidateResponseChecksum = local
	}), nil
}

// usageError is a bad command line: exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// refusedError is an operation leasectl declined for safety: exit 3.
type refusedError struct{ msg string }

func (e *refusedError) Error() string { return e.msg }

func refusedf(format string, args ...any) error { return &refusedError{fmt.Sprintf(format, args...)} }

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, open opener, stdout, stderr io.Writer) int {
	err := dispatch(ctx, args, getenv, open, stdout, stderr)
	var usage *usageError
	var refused *refusedError
	switch {
	case err == nil || errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "leasectl: %v (see leasectl --help)\n", err)
		return exitUsage
	case errors.As(err, &refused):
		fmt.Fprintf(stderr, "leasectl: refused: %v\n", err)
		return exitRefused
	default:
		fmt.Fprintf(stderr, "leasectl: %v\n", err)
		return exitError
	}
}
