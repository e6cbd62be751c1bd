package e2e

import (
	"bytes"
	"syscall"
	"testing"
	"time"
)

// signal sends sig to the emulator's process group and to every group and
// process below it (the RIE starts the Lambda in a group of its own).
func (r *rie) signal(sig syscall.Signal) {
	if r.cmd.Process == nil {
		return
	}
	for _, pid := range descendants(r.cmd.Process.Pid) {
		_ = syscall.Kill(-pid, sig)
		_ = syscall.Kill(pid, sig)
	}
	_ = syscall.Kill(-r.cmd.Process.Pid, sig)
}

// TestFrozenInvocationWritesNothingAfterThaw freezes one invocation
// (SIGSTOP, as Lambda freezes an environment) mid-run, lets its lease
// expire and a later invocation finish the run, then thaws it (SIGCONT):
// the thawed invocation must notice that it lost its lease and write no
// record over the newer ones.
func TestFrozenInvocationWritesNothingAfterThaw(t *testing.T) {
	k := newTakeover(t, "rie-frozen", 90*time.Second)
	st, frozen, ctx := k.st, k.first, k.ctx
	thawed := make(chan response, 1)
	go func() { thawed <- frozen.invoke(ctx, st.event()) }()
	holder := waitForWork(t, st, 5)
	frozen.signal(syscall.SIGSTOP)
	t.Logf("froze %s (holder %s) after %d records", frozen.name, holder, len(st.records().Items))

	k.takeOver(t, holder)
	finished := st.records()
	st.checkRecords(finished)

	frozen.signal(syscall.SIGCONT)
	var r response
	select {
	case r = <-thawed:
	case <-ctx.Done():
		t.Fatal("the thawed invocation did not return")
	}
	t.Logf("thawed invocation: %s", r.body)
	time.Sleep(200 * time.Millisecond) // let any late write land before looking
	checkUnchanged(t, finished, st.records())
	if r.err == nil && !bytes.Contains(r.body, []byte("lease")) {
		t.Errorf("the thawed invocation did not report its lost lease: %s", r.body)
	}
	checkNoLease(t, st)
}
