package budget_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/lease/budget"
)

// TestDaySpentRefusesAtOnce: once the day's tokens are taken, Reserve fails
// at once with a *DayExhaustedError naming the quota and when it resets,
// without waiting; Admits says the same before any call. An account-wide
// daily quota lower than the model's binds instead, under its own name.
func TestDaySpentRefusesAtOnce(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		limits budget.Limits
		name   string
	}{
		{budget.Limits{TPM: 60_000, TPD: 10_000}, "tokens per day"},
		{budget.Limits{TPM: 60_000, AccountTPD: 10_000}, "account tokens per day"},
	} {
		table, clk := newTable(t), fastClock()
		b := newBudget(t, table, "dev", clk, budget.WithLimits(tc.limits), budget.WithBatch(1))
		for range 2 {
			r, err := b.Reserve(ctx, 4000)
			if err != nil {
				t.Fatal(err)
			}
			r.Settle(4000)
		}
		_, err := b.Reserve(ctx, 4000)
		var de *budget.DayExhaustedError
		if !errors.As(err, &de) || !errors.Is(err, budget.ErrDayExhausted) || de.Name != tc.name || de.Left != 2000 ||
			!de.ResetAt.Equal(clk.Now().UTC().Truncate(24*time.Hour).Add(24*time.Hour)) {
			t.Fatalf("%s: third reservation: %v, want a *DayExhaustedError with 2000 left, resetting at midnight", tc.name, err)
		}
		if err := b.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if r, err := b.Reserve(ctx, 2000); err != nil {
			t.Fatalf("%s: what is left of the day: %v", tc.name, err)
		} else {
			r.Settle(2000)
		}
		if err := b.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if err := b.Admits(ctx); !errors.Is(err, budget.ErrDayExhausted) {
			t.Fatalf("%s: Admits with the day spent: %v", tc.name, err)
		}
		row, _, _ := budget.Read(ctx, db, table, testQuota)
		if row.DayLeft(clk.Now()) != 0 || row.DayUsed != 10_000 {
			t.Fatalf("%s: day used %d, left %d; want 10000 and 0", tc.name, row.DayUsed, row.DayLeft(clk.Now()))
		}
	}
}

// TestPausedEnvironmentAdmitsNothing: an environment an operator paused
// gets a *PausedError with the reason from Admits and Reserve, other
// environments go on, and resuming admits again.
func TestPausedEnvironmentAdmitsNothing(t *testing.T) {
	ctx := context.Background()
	table, clk := newTable(t), fastClock()
	dev, prod := newBudget(t, table, "dev", clk, budget.WithBatch(1)), newBudget(t, table, "prod", clk, budget.WithBatch(1))
	if _, err := dev.Reserve(ctx, 100); err != nil {
		t.Fatal(err)
	}
	pause := func(on bool) {
		t.Helper()
		if _, err := budget.SetEnv(ctx, db, table, testQuota, "dev", func(e budget.EnvLimit) budget.EnvLimit {
			e.Paused, e.Reason = on, "migration"
			return e
		}); err != nil {
			t.Fatal(err)
		}
	}
	pause(true)
	var pe *budget.PausedError
	if err := dev.Admits(ctx); !errors.As(err, &pe) || pe.Reason != "migration" || !errors.Is(err, budget.ErrPaused) {
		t.Fatalf("Admits of a paused env: %v", err)
	}
	if _, err := dev.Reserve(ctx, 100); !errors.Is(err, budget.ErrPaused) {
		t.Fatalf("Reserve of a paused env: %v", err)
	}
	if _, err := prod.Reserve(ctx, 100); err != nil {
		t.Fatalf("another env: %v", err)
	}
	pause(false)
	if err := dev.Admits(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := dev.Reserve(ctx, 100); err != nil {
		t.Fatalf("Reserve after resume: %v", err)
	}
}

// TestConfiguredQuotaDisagreeingWithTheRowIsLogged: a process configured
// with 800,000 TPM drawing on a row at 60,000 runs at the row's quota and
// says so, once, naming both values.
func TestConfiguredQuotaDisagreeingWithTheRowIsLogged(t *testing.T) {
	ctx := context.Background()
	table := newTable(t)
	if _, err := budget.SetLimits(ctx, db, table, testQuota, func(budget.Limits) budget.Limits { return budget.Limits{TPM: 60_000} }); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	b := newBudget(t, table, "prod", fastClock(), budget.WithLimits(budget.Limits{TPM: 800_000}),
		budget.WithLogger(slog.New(slog.NewTextHandler(&out, nil))))
	for range 2 {
		if err := b.Admits(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Reserve(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); strings.Count(got, "differs") != 1 || !strings.Contains(got, "tpm.configured=800000 tpm.row=60000") {
		t.Fatalf("log %q: want one warning with both values", got)
	}
}
