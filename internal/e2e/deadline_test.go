package e2e

import (
	"context"
	"testing"
	"time"
)

// TestDeadlineExhaustion gives an invocation far less time than its run
// needs: it must stop claiming at the deadline margin, finish or give back
// its batches, release its lease and return what remains, with every
// record it wrote intact; a later invocation with time enough finishes the
// run, and nothing is lost.
func TestDeadlineExhaustion(t *testing.T) {
	bootstrap, rieBin := binaries(t)
	st := newStack(t, quota{rpm: 20, tpm: 60_000, scale: 20}) // about 3 emulated minutes of work
	short := startRIE(t, "rie-short", bootstrap, rieBin,
		st.lambdaEnv("AWS_LAMBDA_FUNCTION_TIMEOUT=4", "DEADLINE_MARGIN=20s")) // 4 s wall = 80 emulated s
	later := startRIE(t, "rie-later", bootstrap, rieBin, st.lambdaEnv())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	resp := short.invoke(ctx, st.event())
	t.Logf("short invocation: %.1fs: %s", resp.elapsed.Seconds(), resp.body)
	if resp.err != nil {
		t.Fatalf("the short invocation failed instead of returning what remains: %v", resp.err)
	}
	remaining, _ := resp.count("remaining")
	if remaining == 0 {
		t.Fatal("the short invocation finished everything: the test gave it too much time")
	}
	if resp.elapsed > 4*time.Second {
		t.Logf("note: it returned after its 4 s deadline (%.1fs)", resp.elapsed.Seconds())
	}
	checkNoLease(t, st) // released, not left to expire
	before := st.records()

	resp = later.invoke(ctx, st.event())
	if resp.err != nil {
		t.Fatal(resp.err)
	}
	after := st.records()
	st.checkRecords(after)
	checkUnchanged(t, before, after)
	if f := after.ByStatus()["failed"]; f > 0 {
		t.Errorf("%d records failed", f)
	}
	t.Logf("short wrote %d records, left %d; the later invocation finished: %v", len(before.Items), remaining, after.ByStatus())
	checkNoLease(t, st)
}
