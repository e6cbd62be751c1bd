package budget_test

import (
	"context"
	"errors"
	"testing"

	"github.com/vectora/ingest-normalize/lease/budget"
)

const testQuota = "eu-west-3/eu.anthropic.claude-sonnet-4-5-20250929-v1:0"

// TestSetLimitsCreatesAndChanges: a row is created only with both rates
// (burst defaulted), changed with before and after, and left unwritten
// when nothing changes.
func TestSetLimitsCreatesAndChanges(t *testing.T) {
	ctx, table := context.Background(), newTable(t)
	only := func(l budget.Limits) budget.Limits { l.RPM = 60; return l }
	if _, err := budget.SetLimits(ctx, db, table, testQuota, only); !errors.Is(err, budget.ErrNoBudget) {
		t.Fatalf("create with one rate: %v, want ErrNoBudget", err)
	}
	if _, found, err := budget.Read(ctx, db, table, testQuota); found || err != nil {
		t.Fatalf("a refused SetLimits wrote the row (%v)", err)
	}
	c, err := budget.SetLimits(ctx, db, table, testQuota, func(budget.Limits) budget.Limits { return budget.Limits{RPM: 60, TPM: 6000} })
	if err != nil || !c.Created || c.Before.TPM != 0 || c.After.Limits != (budget.Limits{RPM: 60, TPM: 6000, Burst: budget.DefaultBurst}) {
		t.Fatalf("create: %+v, %v", c, err)
	}
	c, err = budget.SetLimits(ctx, db, table, testQuota, func(l budget.Limits) budget.Limits { l.TPM = 9000; return l })
	if err != nil || c.Created || c.Before.TPM != 6000 || c.After.Limits != (budget.Limits{RPM: 60, TPM: 9000, Burst: budget.DefaultBurst}) {
		t.Fatalf("change: %+v, %v", c, err)
	}
	c, err = budget.SetLimits(ctx, db, table, testQuota, func(l budget.Limits) budget.Limits { return l })
	if err != nil || c.After.TPM != 9000 || c.Before.TPM != 9000 {
		t.Fatalf("no change: %+v, %v", c, err)
	}
	for field, l := range map[string]budget.Limits{"rpm": {RPM: -1, TPM: 5}, "tpm": {RPM: 5, TPM: -5}, "burst": {RPM: 5, TPM: 5, Burst: -1}} {
		_, err := budget.SetLimits(ctx, db, table, testQuota, func(budget.Limits) budget.Limits { return l })
		var ce *budget.ConfigError
		if !errors.As(err, &ce) || ce.Field != field {
			t.Errorf("limits %+v: %v, want a *ConfigError naming %s", l, err, field)
		}
	}
}

// TestSetRefusesAStaleRead: a write whose row changed between its read and
// its write fails with ErrChanged and leaves the other change in place.
func TestSetRefusesAStaleRead(t *testing.T) {
	ctx, table := context.Background(), newTable(t)
	create := func(budget.Limits) budget.Limits { return budget.Limits{RPM: 60, TPM: 6000} }
	if _, err := budget.SetLimits(ctx, db, table, testQuota, create); err != nil {
		t.Fatal(err)
	}
	_, err := budget.SetLimits(ctx, db, table, testQuota, func(l budget.Limits) budget.Limits {
		// A peer changes another limit after this read.
		if _, err := budget.SetLimits(ctx, db, table, testQuota, func(l budget.Limits) budget.Limits { l.TPM = 7000; return l }); err != nil {
			t.Fatal(err)
		}
		l.RPM = 600
		return l
	})
	if !errors.Is(err, budget.ErrChanged) {
		t.Fatalf("stale limits: %v, want ErrChanged", err)
	}
	_, err = budget.SetEnv(ctx, db, table, testQuota, "dev", func(e budget.EnvLimit) budget.EnvLimit {
		if _, err := budget.SetEnv(ctx, db, table, testQuota, "dev", func(e budget.EnvLimit) budget.EnvLimit { e.Priority = 2; return e }); err != nil {
			t.Fatal(err)
		}
		e.Cap = 0.5
		return e
	})
	if !errors.Is(err, budget.ErrChanged) {
		t.Fatalf("stale entry: %v, want ErrChanged", err)
	}
	row, _, err := budget.Read(ctx, db, table, testQuota)
	if err != nil || row.RPM != 60 || row.TPM != 7000 || row.Envs["dev"] != (budget.EnvLimit{Cap: 1, Priority: 2}) {
		t.Fatalf("row %+v, %v; want the peers' changes only", row, err)
	}
}

// TestSetEnvCreatesAndChanges: an entry starts from cap 1, priority 0,
// keeps what a change does not touch, and is validated before any read. An
// entry can be set before any invocation has run (issue 15, point 4): the
// first Budget seeds the limits around it and keeps it.
func TestSetEnvCreatesAndChanges(t *testing.T) {
	ctx, table := context.Background(), newTable(t)
	prio := func(p int) func(budget.EnvLimit) budget.EnvLimit {
		return func(e budget.EnvLimit) budget.EnvLimit { e.Priority = p; return e }
	}
	stage := func(budget.EnvLimit) budget.EnvLimit { return budget.EnvLimit{Cap: 0.3, Priority: 2} }
	if c, err := budget.SetEnv(ctx, db, table, testQuota, "stage", stage); err != nil || !c.Created {
		t.Fatalf("entry before the first run: %+v, %v", c, err)
	}
	b := newBudget(t, table, "stage", fastClock())
	if _, err := b.Reserve(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if row, _, err := budget.Read(ctx, db, table, testQuota); err != nil || row.Envs["stage"] != (budget.EnvLimit{Cap: 0.3, Priority: 2}) || row.TPM == 0 {
		t.Fatalf("row after the first run: %+v, %v", row, err)
	}
	c, err := budget.SetEnv(ctx, db, table, testQuota, "dev", prio(3))
	if _, had := c.Before.Envs["dev"]; err != nil || had || c.After.Envs["dev"] != (budget.EnvLimit{Cap: 1, Priority: 3}) {
		t.Fatalf("create: %+v, %v", c, err)
	}
	c, err = budget.SetEnv(ctx, db, table, testQuota, "dev", func(e budget.EnvLimit) budget.EnvLimit { e.Cap = 0.25; return e })
	if err != nil || c.Before.Envs["dev"] != (budget.EnvLimit{Cap: 1, Priority: 3}) || c.After.Envs["dev"] != (budget.EnvLimit{Cap: 0.25, Priority: 3}) {
		t.Fatalf("change: %+v, %v", c, err)
	}
	for _, tc := range []struct {
		env, field string
		cap        float64
	}{{"bad name", "env", 0.5}, {"dev", "cap", 1.5}, {"dev", "cap", 0}} {
		_, err := budget.SetEnv(ctx, db, table, testQuota, tc.env, func(e budget.EnvLimit) budget.EnvLimit { e.Cap = tc.cap; return e })
		var ce *budget.ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("env %q cap %v: %v, want a *ConfigError naming %s", tc.env, tc.cap, err, tc.field)
		}
	}
}
