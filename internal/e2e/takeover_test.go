package e2e

import (
	"context"
	"testing"
	"time"
)

// takeover is the scene of the tests in which one invocation stops
// mid-run (killed, frozen) and a later one takes its run over: a stack at
// 30 RPM on a clock 20 times the wall's, Lambdas with a 20 s lease, one
// RIE for the first invocation and one for the later, and the test's
// context.
type takeover struct {
	st           *stack
	first, later *rie
	ctx          context.Context
}

// newTakeover starts the scene, the first RIE named first, and a context
// that ends after timeout or with the test.
func newTakeover(t *testing.T, first string, timeout time.Duration) *takeover {
	t.Helper()
	bootstrap, rieBin := binaries(t)
	st := newStack(t, quota{rpm: 30, tpm: 90_000, scale: 20})
	env := st.lambdaEnv("LEASE_TTL=20s")
	k := &takeover{st: st, first: startRIE(t, first, bootstrap, rieBin, env),
		later: startRIE(t, "rie-later", bootstrap, rieBin, env)}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	k.ctx = ctx
	return k
}

// takeOver waits until holder's lease has expired, then runs the later
// invocation, which must succeed.
func (k *takeover) takeOver(t *testing.T, holder string) {
	t.Helper()
	waitExpired(t, k.st, holder)
	resp := k.later.invoke(k.ctx, k.st.event())
	t.Logf("later invocation: %.1fs: %s", resp.elapsed.Seconds(), resp.body)
	if resp.err != nil {
		t.Fatal(resp.err)
	}
}

// waitForWork waits until one lease is held and at least n Bedrock calls
// were admitted, and returns the holder.
func waitForWork(t *testing.T, st *stack, n int64) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if hs := st.table().Holders; len(hs) == 1 && st.calls().Admitted >= n {
			return hs[0].ID
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no invocation held a lease with %d calls made within 30 s", n)
	return ""
}

// waitExpired waits until holder's lease has expired on the Lambda's clock,
// with a margin for the lease package's skew allowance.
func waitExpired(t *testing.T, st *stack, holder string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		live := false
		for _, h := range st.table().Holders {
			live = live || h.ID == holder && h.Expires.Add(3*time.Second).After(st.now())
		}
		if !live {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the lease of %s did not expire within 30 s", holder)
}
