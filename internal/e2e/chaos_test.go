package e2e

import (
	"context"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestInvocationsKilledAtRandom runs K concurrent invocations over n items
// and SIGKILLs some of them at random points; later invocations finish the
// run once the dead leases have expired. Nothing may be lost, nothing
// normalized twice beyond the calls in flight at each kill, and no lease
// left held. make test runs K = 4, 60 items, 1 killed; make chaos
// (CHAOS_LONG=1) runs K = 10, 200 items, 3 killed.
func TestInvocationsKilledAtRandom(t *testing.T) {
	k, n, kills := 4, 60, 1
	if os.Getenv("CHAOS_LONG") != "" {
		k, n, kills = 10, 200, 3
	}
	bootstrap, rieBin := binaries(t)
	st := newStackN(t, quota{rpm: 60, tpm: 180_000, scale: 20}, n)
	env := st.lambdaEnv("LEASE_TTL=20s")
	ries := make([]*rie, k)
	for i := range ries {
		ries[i] = startRIE(t, "rie-"+string(rune('a'+i)), bootstrap, rieBin, env)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	var wg sync.WaitGroup
	for _, r := range ries {
		wg.Go(func() { r.invoke(ctx, st.event()) })
	}
	victims := rand.Perm(k)[:kills]
	lost := 0
	for _, v := range victims {
		waitCalls(t, st, int64(5+rand.IntN(n/3)))
		before := st.calls()
		ries[v].kill()
		lost += int(before.Admitted - before.Completed) // in flight when it died (at most)
		t.Logf("killed %s after %d calls admitted", ries[v].name, before.Admitted)
	}
	lost += kills * 4 // calls a victim may have started between the look and the kill (WORKER_CAP)
	wg.Wait()

	waitNoLiveHolder(t, st)
	later := startRIE(t, "rie-later", bootstrap, rieBin, env)
	for try := 0; try < 3; try++ {
		resp := later.invoke(ctx, st.event())
		if resp.err != nil {
			t.Fatal(resp.err)
		}
		if strings.Contains(string(resp.body), "run complete") || saysNothingToDo(resp) {
			break
		}
	}
	recs := st.records()
	st.checkRecords(recs)
	if f := recs.ByStatus()["failed"]; f > 0 {
		t.Errorf("%d items failed", f)
	}
	calls := st.calls()
	twice := int(calls.Completed) - n
	t.Logf("K=%d, %d items, %d killed: records %v, bedrock %+v, calls beyond one per item %d (allowance for killed in-flight calls %d)",
		k, n, kills, recs.ByStatus(), calls, twice, lost)
	if twice > lost {
		t.Errorf("%d calls beyond one per item, more than the %d the kills can explain", twice, lost)
	}
	if calls.Throttled() != 0 {
		t.Errorf("bedrock throttled %d calls", calls.Throttled())
	}
	checkNoLease(t, st)
}

// waitCalls waits until at least n Bedrock calls were admitted.
func waitCalls(t *testing.T, st *stack, n int64) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if st.calls().Admitted >= n {
			return
		}
	}
	t.Fatalf("fewer than %d calls admitted within 60 s", n)
}

// waitNoLiveHolder waits until every lease in the table has been released
// or has expired (with the skew allowance).
func waitNoLiveHolder(t *testing.T, st *stack) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		live := false
		for _, h := range st.table().Holders {
			live = live || h.Expires.Add(3*time.Second).After(st.now())
		}
		if !live {
			return
		}
	}
	t.Fatal("leases still live after 60 s")
}
