package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/vectora/ingest-normalize/internal/chaos"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/faultproxy"
)

// TestConcurrentInvocationsThroughConflicts is the acceptance test of
// issue 12: K = 3 invocations of the real binary under the RIE, over the
// real sample items, their DynamoDB requests through the fault proxy,
// which cancels 20 % of the transactions with TransactionConflict (and
// any write that really overlaps another on one item), holds
// 3 % of the requests 4 s (of the Lambda's clock) while the others
// proceed, and answers 3 % of the writes 500 after applying them. Every
// item gets exactly one record and one Bedrock call, every response is
// without error, the day files hold every item, and no lease is left.
// make test runs one fault seed over 60 items; make chaos (CHAOS_LONG=1)
// four seeds over every item of the real data and the embedded sample.
func TestConcurrentInvocationsThroughConflicts(t *testing.T) {
	n, seeds := itemCount, []uint64{12}
	if os.Getenv("CHAOS_LONG") != "" {
		n, seeds = 0, []uint64{12, 13, 14, 15} // 0: every item
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) { throughConflicts(t, n, seed) })
	}
}

// throughConflicts runs the acceptance test over n items with the proxy's
// faults drawn from seed.
func throughConflicts(t *testing.T, n int, seed uint64) {
	bootstrap, rieBin := binaries(t)
	q := quota{rpm: 60, tpm: 180_000, scale: 20}
	st := newStackN(t, q, n)
	n = len(st.seeded.IDs)
	proxy, err := faultproxy.NewURL(st.urls.dynamodb, faultproxy.WithSeed(seed), faultproxy.WithOverlapConflicts(),
		faultproxy.WithClock(clock.Scaled{Epoch: st.epoch, Scale: q.scale}),
		faultproxy.WithRates(faultproxy.Rates{Conflict: 0.20, Hold: 0.03, AppliedFailed: 0.03,
			HoldFor: clock.Wall(clock.Scaled{Scale: q.scale}, 4*time.Second)}))
	if err != nil {
		t.Fatal(err)
	}
	env := st.lambdaEnv("LEASE_TTL=20s", "CLAIM_BATCH=2", "AWS_ENDPOINT_URL_DYNAMODB="+serve(t, proxy))
	var ries []*rie
	for i := 1; i <= 3; i++ {
		ries = append(ries, startRIE(t, fmt.Sprintf("rie-%d", i), bootstrap, rieBin, env))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	remaining, failed := n, 0
	for i, r := range invokeAll(ctx, ries, st.event()) {
		t.Logf("invocation %d: %.1fs: %.600s", i+1, r.elapsed.Seconds(), r.body)
		if r.err != nil {
			failed++
			t.Error(r.err)
			continue
		}
		if lost, _ := r.fields["lease.lost"].(string); lost != "" {
			t.Errorf("invocation %d lost its lease: %s", i+1, lost)
		}
		if left, ok := r.count("remaining"); ok {
			remaining = min(remaining, left) // the last one to finish completes the run
		}
	}
	if remaining != 0 {
		t.Errorf("every invocation ended with items remaining (at least %d)", remaining)
	}
	recs := st.records()
	st.checkRecords(recs)
	calls := st.calls()
	inDays := dayFileItems(t, st, recs.DayFiles)
	fs := proxy.Stats()
	t.Logf("K=3, %d items: records %v, %d in day files, bedrock %+v; injected: %d conflicts (%d on single writes), %d held (%d abandoned), %d applied-then-500, %d token replays of %d requests",
		n, recs.ByStatus(), inDays, calls, fs.Conflicts, fs.ItemConflicts, fs.Held, fs.HeldAbandoned, fs.AppliedFailed, fs.TokenReplays, fs.Requests)
	if calls.Completed != int64(n) || calls.Admitted != int64(n) {
		t.Errorf("bedrock saw %d admitted, %d completed calls for %d items: some item was normalized twice (or not at all)",
			calls.Admitted, calls.Completed, n)
	}
	if f := recs.ByStatus()["failed"]; f > 0 {
		t.Errorf("%d records failed", f)
	}
	if inDays != n {
		t.Errorf("the day files hold %d items, want %d", inDays, n)
	}
	if fs.Conflicts == 0 || fs.Held+fs.AppliedFailed == 0 {
		t.Errorf("the proxy injected too little: %+v", fs)
	}
	checkNoLease(t, st)
	chaos.Report(t, map[string]any{"items": n, "lost": n - len(recs.Items), "normalized_twice": int(calls.Completed) - n,
		"responses_with_error": failed, "day_files_missing_items": n - inDays, "conflicts_injected": fs.Conflicts,
		"stalls_injected": fs.Held, "ambiguous_injected": fs.AppliedFailed, "token_replays": fs.TokenReplays})
}

// dayFileItems counts the distinct items in the day files.
func dayFileItems(t *testing.T, st *stack, keys []string) int {
	t.Helper()
	ids := map[string]bool{}
	for _, k := range keys {
		out, err := st.s3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(dataBucket), Key: aws.String(k)})
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(out.Body)
		out.Body.Close()
		var recs []struct {
			ItemID string `json:"item_id"`
		}
		if err == nil {
			err = json.Unmarshal(data, &recs)
		}
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		for _, r := range recs {
			ids[r.ItemID] = true
		}
	}
	return len(ids)
}
