// Package localaws starts the local servers that stand in for AWS in tests,
// the demo and benchmarks — a DynamoDB-compatible server (minidyn) and an S3
// server (gofakes3) — and builds real SDK clients that talk to them.
//
// Endpoints come only from the standard SDK environment
// (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3): when a variable is set
// (for example to a moto_server), clients use that server and no in-process
// one is started.
package localaws

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/truora/minidyn/server"
)

// DynamoDBHandler returns a fresh in-memory DynamoDB-compatible server.
// Requests are served one at a time: minidyn v0.8.2 returns torn items when
// a read races a write of the same item (seen here as two attributes of one
// GetItem answer sharing a value), and DynamoDB itself is linearizable per
// item, so serializing loses no fidelity.
func DynamoDBHandler() http.Handler {
	var mu sync.Mutex
	h := server.NewServer()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// S3Handler returns a fresh in-memory S3 server (path-style addressing).
func S3Handler() http.Handler { return gofakes3.New(s3mem.New()).Server() }

// Endpoint returns the URL of the service named by the standard SDK variable
// env, or starts handler in process and returns its URL and a stop function.
func Endpoint(env string, handler func() http.Handler) (url string, stop func()) {
	if u := os.Getenv(env); u != "" {
		return u, func() {}
	}
	srv := httptest.NewServer(handler())
	return srv.URL, srv.Close
}

// Clients returns clients of the DynamoDB and S3 servers that the
// standard variables name, or of in-process ones it starts, and a function
// that stops what it started.
func Clients(ctx context.Context) (*dynamodb.Client, *s3.Client, func(), error) {
	cfg, err := Config(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	dbURL, stopDB := Endpoint("AWS_ENDPOINT_URL_DYNAMODB", DynamoDBHandler)
	s3URL, stopS3 := Endpoint("AWS_ENDPOINT_URL_S3", S3Handler)
	return DynamoDB(cfg, dbURL), S3(cfg, s3URL), func() { stopDB(); stopS3() }, nil
}

// Config returns an SDK configuration for local servers: the region from
// AWS_REGION (default us-east-1) and static credentials from the
// environment, or dummy ones.
func Config(ctx context.Context) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{}
	if os.Getenv("AWS_REGION") == "" {
		opts = append(opts, config.WithRegion("us-east-1"))
	}
	if os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	return config.LoadDefaultConfig(ctx, opts...)
}

// DynamoDB returns a client for the server at url. Response checksums are
// not validated: minidyn sends none.
func DynamoDB(cfg aws.Config, url string) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(url)
		o.DisableValidateResponseChecksum = true
	})
}

// S3 returns a path-style client for the server at url.
func S3(cfg aws.Config, url string) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(url)
		o.UsePathStyle = true
	})
}
