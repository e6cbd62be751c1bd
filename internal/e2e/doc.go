// Package e2e tests the ingest-normalize Lambda end to end: the binary
// built with -tags lambda.norpc runs under the Lambda Runtime Interface
// Emulator (one emulator process per concurrent invocation), against
// in-process DynamoDB (minidyn), S3 (gofakes3) and Bedrock emulator
// servers on 127.0.0.1.
//
// The tests build the binary into a temporary directory and find the RIE in
// .local/bin, $(go env GOPATH)/bin or PATH, else install it with go install
// (the Go module proxy serves it). They seed 60 items: the real items of
// ../shared/data when that folder exists, else the project's sample. They
// are skipped with -short and when cmd/ingest-normalize does not exist yet.
package e2e
