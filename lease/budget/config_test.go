package budget_test

import (
	"errors"
	"testing"

	"github.com/vectora/ingest-normalize/lease/budget"
)

func TestBadConfigurationNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		field string
		err   error
	}{
		{"tpm", budgetErr("dev", budget.WithLimits(budget.Limits{RPM: 10, TPM: -5}))},
		{"rpm", budgetErr("dev", budget.WithLimits(budget.Limits{RPM: -1, TPM: 5}))},
		{"rpm/tpm", budgetErr("dev", budget.WithLimits(budget.Limits{RPM: 10}))},
		{"cap", budgetErr("dev", budget.WithEnvLimit(budget.EnvLimit{Cap: 1.5}))},
		{"env", budgetErr("dev/../prod")},
		{"batch", budgetErr("dev", budget.WithBatch(0))},
	} {
		var ce *budget.ConfigError
		if !errors.As(tc.err, &ce) || ce.Field != tc.field {
			t.Errorf("want a *ConfigError naming %q, got %v", tc.field, tc.err)
		}
	}
	if _, err := budget.New(db, "t", "", "dev"); err == nil {
		t.Error("empty quota accepted")
	}
}

func budgetErr(env string, opts ...budget.Option) error {
	_, err := budget.New(db, "t", "eu-west-3/m", env, opts...)
	return err
}
