package pipeline_test

import (
	"testing"

	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/internal/testenv"
	"github.com/vectora/ingest-normalize/normalize"
)

// The pipeline tests use real SDK clients against local servers (minidyn
// or AWS_ENDPOINT_URL_DYNAMODB, gofakes3 or AWS_ENDPOINT_URL_S3) and the
// Bedrock emulator, with every clock 100 times faster than the wall: see
// package testenv.
func newFixture(t *testing.T, opts ...emulator.Option) *testenv.Fixture {
	t.Helper()
	return testenv.New(t, testenv.Config{Emulator: opts})
}

// records reads every per-item record of client and fails t when an item
// has two.
func records(t *testing.T, f *testenv.Fixture, client string) map[string]normalize.Record {
	t.Helper()
	recs, dup := f.Records(client)
	if dup > 0 {
		t.Errorf("%d items with two records", dup)
	}
	return recs
}
