package lease_test

import (
	"errors"
	"testing"
	"time"

	"github.com/vectora/ingest-normalize/lease"
)

func TestBadConfigurationNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		field string
		err   error
	}{
		{"heartbeat", managerErr(lease.WithTTL(10*time.Second), lease.WithHeartbeat(6*time.Second))},
		{"ttl", managerErr(lease.WithTTL(0))},
		{"max holders", managerErr(lease.WithMaxHolders(-1))},
		{"skew", managerErr(lease.WithSkew(time.Minute))},
		{"table", func() error { _, err := lease.NewManager(db, ""); return err }()},
		{"tpm", budgetErr("dev", lease.WithLimits(lease.Limits{RPM: 10, TPM: -5}))},
		{"rpm", budgetErr("dev", lease.WithLimits(lease.Limits{RPM: -1, TPM: 5}))},
		{"rpm/tpm", budgetErr("dev", lease.WithLimits(lease.Limits{RPM: 10}))},
		{"cap", budgetErr("dev", lease.WithEnvLimit(lease.EnvLimit{Cap: 1.5}))},
		{"env", budgetErr("dev/../prod")},
		{"batch", budgetErr("dev", lease.WithBatch(0))},
	} {
		var ce *lease.ConfigError
		if !errors.As(tc.err, &ce) || ce.Field != tc.field {
			t.Errorf("want a *ConfigError naming %q, got %v", tc.field, tc.err)
		}
	}
	if _, err := lease.NewBudget(db, "t", "", "dev"); err == nil {
		t.Error("empty quota accepted")
	}
	if _, err := (&lease.Manager{}).Acquire(t.Context(), ""); err == nil {
		t.Error("empty scope accepted")
	}
}

func managerErr(opts ...lease.Option) error {
	_, err := lease.NewManager(db, "t", opts...)
	return err
}

func budgetErr(env string, opts ...lease.BudgetOption) error {
	_, err := lease.NewBudget(db, "t", "eu-west-3/m", env, opts...)
	return err
}
