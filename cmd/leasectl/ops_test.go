package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/lease"
	"github.com/vectora/ingest-normalize/lease/budget"
)

// TestSetBudgetChangesAdmission creates a budget row with set-budget, shows
// that a Budget reading it makes a large call wait for its turn, raises the
// limits, and shows that a fresh Budget admits the same call at once.
func TestSetBudgetChangesAdmission(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	out, errOut, code := f.run("set-budget", "--quota", quota, "--rpm", "60", "--tpm", "6000", "--burst-ms", "1000")
	if code != exitOK {
		t.Fatalf("create: exit %d: %s", code, errOut)
	}
	golden(t, "set_budget_create", out)

	// 1000 tokens at 6000 TPM last 10 s; the burst is 1 s: wait 9 s.
	slow := &fixedClock{now: t0, fire: true}
	if _, err := f.budget("dev", slow).Reserve(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	if w := slow.waited(); len(w) != 1 || w[0] != 9*time.Second {
		t.Fatalf("before set-budget: waits %v, want [9s]", w)
	}

	out, errOut, code = f.run("set-budget", "--quota", quota, "--rpm", "600", "--tpm", "600000", "--env", "dev", "--cap", "0.5", "--priority", "3")
	if code != exitOK {
		t.Fatalf("raise: exit %d: %s", code, errOut)
	}
	golden(t, "set_budget_raise", out)
	fast := &fixedClock{now: t0.Add(time.Minute), fire: true}
	if _, err := f.budget("dev", fast).Reserve(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	if w := fast.waited(); len(w) != 0 {
		t.Fatalf("after set-budget: waits %v, want none", w)
	}
	b, _, err := budget.Read(ctx, f.db, table, quota)
	if err != nil || b.TPM != 600000 || b.RPM != 600 || b.Burst != 1000 || b.Envs["dev"] != (budget.EnvLimit{Cap: 0.5, Priority: 3}) {
		t.Fatalf("row after set-budget: %+v, %v", b, err)
	}
	out, _, code = f.run("set-budget", "--json", "--quota", quota, "--rpm", "100")
	if code != exitOK || !strings.Contains(out, `"rpm": 100`) || !strings.Contains(out, `"created": false`) {
		t.Fatalf("json: exit %d: %s", code, out)
	}
}

// TestSetBudgetBeforeFirstRun: an environment's cap and priority can be set
// before any invocation has created the budget row (issue 15, point 4: the
// write once declared names it did not use, which DynamoDB and moto both
// refuse; minidyn here checks the same).
func TestSetBudgetBeforeFirstRun(t *testing.T) {
	f := newFixture(t)
	_, errOut, code := f.run("set-budget", "--quota", quota, "--env", "stage", "--cap", "0.3", "--priority", "2")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, found, err := budget.Read(context.Background(), f.db, table, quota)
	if err != nil || !found || b.Envs["stage"] != (budget.EnvLimit{Cap: 0.3, Priority: 2}) {
		t.Fatalf("row %+v, found %v, %v", b, found, err)
	}
	if _, err := f.budget("stage", &fixedClock{now: t0, fire: true}, budget.WithLimits(budget.Limits{TPM: 6000})).Reserve(context.Background(), 100); err != nil {
		t.Fatal(err)
	}
	if b, _, _ = budget.Read(context.Background(), f.db, table, quota); b.Envs["stage"] != (budget.EnvLimit{Cap: 0.3, Priority: 2}) {
		t.Fatalf("the first run replaced the entry: %+v", b.Envs)
	}
}

// TestSetBudgetRefuses checks that bad values are refused with exit 2 and a
// message naming the flag, and that nothing is written.
func TestSetBudgetRefuses(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"--rpm", "-5", "--tpm", "1000"}, "--rpm"},
		{[]string{"--env", "dev", "--cap", "0.5", "--tpm", "-1"}, "--tpm"},
		{[]string{"--rpm", "50", "--tpm", "-1"}, "--tpm"},
		{[]string{"--rpm", "50", "--tpm", "1e12"}, "--tpm"},
		{[]string{"--rpm", "1e9", "--tpm", "1000"}, "--rpm"},
		{[]string{"--rpm", "50", "--tpm", "1000", "--burst-ms", "-1"}, "--burst-ms"},
		{[]string{"--rpm", "50", "--tpm", "1000", "--burst-ms", "86400000"}, "--burst-ms"},
		{[]string{"--env", "dev", "--cap", "1.5"}, "--cap"},
		{[]string{"--env", "dev", "--cap", "0"}, "--cap"},
		{[]string{"--env", "dev", "--priority", "99999"}, "--priority"},
		{[]string{"--env", "bad name", "--cap", "0.5"}, "--env"},
		{[]string{"--cap", "0.5"}, "--env"},
		{[]string{"--rpm", "0"}, "--tpm"},  // no row yet: tokens per minute needed
		{[]string{"--rpm", "50"}, "--tpm"}, // no row yet: both limits needed
		{[]string{"--rpm", "abc"}, "-rpm"},
	} {
		_, errOut, code := f.run(append([]string{"set-budget", "--quota", quota}, c.args...)...)
		if code != exitUsage || !strings.Contains(errOut, c.flag) {
			t.Errorf("set-budget %v: exit %d, stderr %q; want exit 2 naming %s", c.args, code, errOut, c.flag)
		}
	}
	if _, found, err := budget.Read(context.Background(), f.db, table, quota); found || err != nil {
		t.Fatalf("a refused set-budget wrote the row (%v)", err)
	}
}

func TestRelease(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	live := f.acquire("ingest-normalize/dev", "inv-a", t0)
	dead := f.acquire("ingest-normalize/dev", "inv-b", t0.Add(-time.Minute))
	now := "--now=" + t0.Format(time.RFC3339)

	_, errOut, code := f.run(now, "release", "--scope", "nope", "--holder", live.Holder())
	if code != exitError || !strings.Contains(errOut, `scope "nope" not found`) {
		t.Errorf("unknown scope: exit %d, %q", code, errOut)
	}
	_, errOut, code = f.run(now, "release", "--scope", "ingest-normalize/dev", "--holder", "ghost")
	if code != exitError || !strings.Contains(errOut, `"ghost"`) {
		t.Errorf("unknown holder: exit %d, %q", code, errOut)
	}
	_, errOut, code = f.run(now, "release", "--scope", "ingest-normalize/dev")
	if code != exitUsage || !strings.Contains(errOut, "--holder") {
		t.Errorf("missing holder: exit %d, %q", code, errOut)
	}
	_, errOut, code = f.run(now, "release", "--scope", "ingest-normalize/dev", "--holder", live.Holder())
	if code != exitRefused || !strings.Contains(errOut, "--force") {
		t.Errorf("live lease without --force: exit %d, %q", code, errOut)
	}
	out, errOut, code := f.run(now, "release", "--scope", "ingest-normalize/dev", "--holder", dead.Holder())
	if code != exitOK || !strings.Contains(out, "was expired") {
		t.Errorf("expired lease: exit %d, %q %q", code, out, errOut)
	}
	out, errOut, code = f.run(now, "release", "--scope", "ingest-normalize/dev", "--holder", live.Holder(), "--force")
	if code != exitOK || !strings.Contains(out, "was live") {
		t.Errorf("--force: exit %d, %q %q", code, out, errOut)
	}
	m, err := lease.NewManager(f.db, table)
	if err != nil {
		t.Fatal(err)
	}
	fence, hs, err := m.Holders(ctx, "ingest-normalize/dev")
	if err != nil || fence == 0 || len(hs) != 0 {
		t.Fatalf("holders after release: %+v fence %d, %v", hs, fence, err)
	}
	out, _, _ = f.run(now, "leases", "--scope", "ingest-normalize/dev")
	if !strings.Contains(out, "(none)") {
		t.Errorf("leases after release:\n%s", out)
	}
}

func TestUsage(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "no command"},
		{[]string{"frobnicate"}, exitUsage, "unknown command"},
		{[]string{"leases", "--bogus"}, exitUsage, "bogus"},
		{[]string{"leases", "--scope", "nope"}, exitError, "not found"},
		{[]string{"budget", "--quota", "x/y"}, exitError, "no budget row"},
		{[]string{"claims", "--run", "nope"}, exitError, "not found"},
		{[]string{"--table", "", "leases"}, exitUsage, "--table"},
		{[]string{"watch", "--interval", "0s"}, exitUsage, "--interval"},
		{[]string{"--help"}, exitOK, ""},
		{[]string{"release", "--help"}, exitOK, ""},
	} {
		_, errOut, code := f.run(c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("leasectl %v: exit %d, stderr %q; want %d containing %q", c.args, code, errOut, c.code, c.want)
		}
		if n := strings.Count(errOut, "Usage: leasectl"); c.code == exitOK && n != 1 {
			t.Errorf("leasectl %v printed its usage %d times, want once", c.args, n)
		}
	}
}

func TestWatchCount(t *testing.T) {
	f := newFixture(t)
	out, errOut, code := f.run("watch", "--count", "3", "--interval", "1ms")
	if code != exitOK || strings.Count(out, "=== ") != 3 {
		t.Fatalf("exit %d, %d views: %s %s", code, strings.Count(out, "=== "), out, errOut)
	}
}

// TestLivenessIsTheManagers: a holder one second past its expiry is still
// within the lease manager's skew margin (2 s): peers will not replace it,
// so leasectl shows it live and refuses to release it without --force.
func TestLivenessIsTheManagers(t *testing.T) {
	f := newFixture(t)
	late := f.acquire("ingest-normalize/dev", "inv-late", t0.Add(-31*time.Second)) // TTL 30 s
	now := "--now=" + t0.Format(time.RFC3339)
	out, _, _ := f.run(now, "leases", "--json")
	if !strings.Contains(out, `"state": "live"`) || !strings.Contains(out, `"expires_in_ms": -1000`) {
		t.Errorf("a holder 1 s past expiry, within the skew margin, should show live:\n%s", out)
	}
	_, errOut, code := f.run(now, "release", "--scope", "ingest-normalize/dev", "--holder", late.Holder())
	if code != exitRefused {
		t.Errorf("release within the skew margin without --force: exit %d, %q; want refused", code, errOut)
	}
}

// TestPauseAndResume: pause stops an environment's admissions in every
// budget row (Reserve fails with budget.ErrPaused and the reason), budget
// shows it, resume undoes it. set-quota sets the account's limits and
// refuses environment flags.
func TestPauseAndResume(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, errOut, code := f.run("set-quota", "--quota", quota, "--tpm", "6000", "--tpd", "100000"); code != exitOK {
		t.Fatalf("set-quota: exit %d: %s", code, errOut)
	}
	if _, errOut, code := f.run("set-quota", "--quota", quota, "--env", "dev", "--cap", "0.5"); code != exitUsage {
		t.Fatalf("set-quota --env: exit %d: %s; want a usage error", code, errOut)
	}
	if _, errOut, code := f.run("pause", "--env", "dev", "--reason", "migration"); code != exitOK {
		t.Fatalf("pause: exit %d: %s", code, errOut)
	}
	if _, err := f.budget("dev", &fixedClock{now: t0, fire: true}).Reserve(ctx, 100); !errors.Is(err, budget.ErrPaused) || !strings.Contains(err.Error(), "migration") {
		t.Fatalf("Reserve of a paused env: %v", err)
	}
	if out, _, _ := f.run("budget"); !strings.Contains(out, "paused: migration") || !strings.Contains(out, "tokens per day 100000") {
		t.Fatalf("budget:\n%s", out)
	}
	if _, errOut, code := f.run("resume", "--env", "dev"); code != exitOK {
		t.Fatalf("resume: exit %d: %s", code, errOut)
	}
	if _, err := f.budget("dev", &fixedClock{now: t0, fire: true}).Reserve(ctx, 100); err != nil {
		t.Fatalf("Reserve after resume: %v", err)
	}
}
