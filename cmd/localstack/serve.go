package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vectora/ingest-normalize/internal/localaws"
	"github.com/vectora/ingest-normalize/lease"
)

const serveUsage = `Usage: localstack [serve] [flags]

Serves an in-memory DynamoDB (minidyn) and S3 (gofakes3, path-style) until
SIGINT or SIGTERM. Port 0 picks a free port; the start-up line gives the
endpoints to put in AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_S3.
Other subcommands: seed, inspect, invoke, ports (each has -help).`

var serveEnv = map[string]string{
	"dynamodb": "LOCALSTACK_DYNAMODB_ADDR",
	"s3":       "LOCALSTACK_S3_ADDR",
	"table":    "COORDINATION_TABLE",
	"buckets":  "LOCALSTACK_BUCKETS",
}

type serveOptions struct {
	dynamodb, s3, table, buckets string
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var o serveOptions
	fs := newFlagSet("serve", serveUsage, stderr, serveEnv)
	fs.StringVar(&o.dynamodb, "dynamodb", "127.0.0.1:8000", "DynamoDB listen address (loopback)")
	fs.StringVar(&o.s3, "s3", "127.0.0.1:9000", "S3 listen address (loopback)")
	fs.StringVar(&o.table, "table", "", "coordination table to create at start (none if empty)")
	fs.StringVar(&o.buckets, "buckets", "", "buckets to create at start, comma separated")
	if err := parseFlags(fs, args, getenv, serveEnv); err != nil {
		return err
	}
	servers, err := listen(map[string]string{"dynamodb": o.dynamodb, "s3": o.s3})
	if err != nil {
		return err
	}
	dynURL, s3URL := servers.url("dynamodb"), servers.url("s3")
	// Both servers stop together: on a signal, when one fails, or when
	// preparing them does.
	ctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 2)
	var wg sync.WaitGroup
	for name, h := range map[string]http.Handler{"dynamodb": localaws.DynamoDBHandler(), "s3": localaws.S3Handler()} {
		wg.Go(func() { errc <- localaws.Serve(ctx, servers.ln[name], h) })
	}
	defer wg.Wait()
	defer cancel()
	if err := prepare(ctx, dynURL, s3URL, o); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "localstack: dynamodb %s s3 %s table %q buckets %q\n", dynURL, s3URL, o.table, o.buckets)
	err = <-errc // nil on a signal
	fmt.Fprintln(stdout, "localstack: shutting down")
	return err
}

// prepare creates the table and the buckets.
func prepare(ctx context.Context, dynURL, s3URL string, o serveOptions) error {
	cfg, err := localaws.Config(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if o.table != "" {
		if err := lease.CreateTable(ctx, localaws.DynamoDB(cfg, dynURL), o.table); err != nil {
			return err
		}
	}
	s3c := localaws.S3(cfg, s3URL)
	for _, b := range strings.Split(o.buckets, ",") {
		if b = strings.TrimSpace(b); b == "" {
			continue
		}
		if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil && !bucketExists(err) {
			return fmt.Errorf("create bucket %s: %w", b, err)
		}
	}
	return nil
}

func bucketExists(err error) bool {
	return strings.Contains(err.Error(), "BucketAlreadyOwnedByYou") || strings.Contains(err.Error(), "BucketAlreadyExists")
}

// servers are named listeners.
type servers struct {
	ln map[string]net.Listener
}

func listen(addrs map[string]string) (*servers, error) {
	s := &servers{ln: map[string]net.Listener{}}
	for name, addr := range addrs {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			s.close()
			return nil, fmt.Errorf("-%s %s: %w", name, addr, err)
		}
		s.ln[name] = ln
	}
	return s, nil
}

func (s *servers) url(name string) string { return "http://" + s.ln[name].Addr().String() }

func (s *servers) close() {
	for _, ln := range s.ln {
		_ = ln.Close()
	}
}
