package budget

import (
	"errors"
	"fmt"
	"time"
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

// ErrDayExhausted is matched (errors.Is) by every *DayExhaustedError.
var ErrDayExhausted = errors.New("budget: daily quota spent")

// ErrPaused is matched (errors.Is) by every *PausedError.
var ErrPaused = errors.New("budget: environment paused")

// DayExhaustedError is returned by Reserve when the day's quota cannot take
// the reservation: no call should be attempted before ResetAt (waiting
// seconds does not help, as with Bedrock's "Too many tokens per day").
type DayExhaustedError struct {
	Quota   string    // <region>/<model>
	Name    string    // "tokens per day" or "account tokens per day"
	Limit   float64   // the daily quota
	Left    int64     // tokens it had left
	ResetAt time.Time // when the day's count starts again (UTC midnight)
}

func (e *DayExhaustedError) Error() string {
	return fmt.Sprintf("budget: %s: daily quota spent: %s %.0f, %d left; resets at %s",
		e.Quota, e.Name, e.Limit, e.Left, e.ResetAt.Format(time.RFC3339))
}

// Is reports whether target is ErrDayExhausted.
func (e *DayExhaustedError) Is(target error) bool { return target == ErrDayExhausted }

// PausedError is returned by Reserve and Admits when an operator paused
// the environment (leasectl pause).
type PausedError struct {
	Env, Reason string
}

func (e *PausedError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("budget: environment %s paused", e.Env)
	}
	return fmt.Sprintf("budget: environment %s paused: %s", e.Env, e.Reason)
}

// Is reports whether target is ErrPaused.
func (e *PausedError) Is(target error) bool { return target == ErrPaused }

// ConfigError reports an invalid setting; Field names it.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string { return fmt.Sprintf("budget: invalid %s: %s", e.Field, e.Reason) }

func configErr(field, format string, args ...any) error {
	return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
