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
	} {
		var ce *lease.ConfigError
		if !errors.As(tc.err, &ce) || ce.Field != tc.field {
			t.Errorf("want a *ConfigError naming %q, got %v", tc.field, tc.err)
		}
	}
	if _, err := (&lease.Manager{}).Acquire(t.Context(), ""); err == nil {
		t.Error("empty scope accepted")
	}
}

func managerErr(opts ...lease.Option) error {
	_, err := lease.NewManager(db, "t", opts...)
	return err
}
