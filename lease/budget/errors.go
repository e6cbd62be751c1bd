package budget

import (
	"errors"
	"fmt"
)

var (
	// ErrTooLarge is returned by Reserve for a cost that can never fit the
	// budget's limits.
	ErrTooLarge = errors.New("budget: reservation larger than the budget allows")
	// ErrNoBudget is returned when the budget row does not exist and no
	// limits were given to create it (WithLimits, or SetLimits with both
	// rates).
	ErrNoBudget = errors.New("budget: row missing: seed it with WithLimits or leasectl set-budget")
	// ErrChanged is returned by SetLimits and SetEnv when the row changed
	// between their read and their write: nothing was written.
	ErrChanged = errors.New("budget: row changed since it was read")
)

// ConfigError reports an invalid setting; Field names it.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string { return fmt.Sprintf("budget: invalid %s: %s", e.Field, e.Reason) }

func configErr(field, format string, args ...any) error {
	return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
