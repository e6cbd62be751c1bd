package lease

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var (
	// ErrNotHeld is returned by Release and guarded operations on a lease
	// that this holder no longer holds: it expired, was replaced or released.
	ErrNotHeld = errors.New("lease: not held")
	// ErrReleased is the cause of a lease context cancelled by Release.
	ErrReleased = errors.New("lease: released")
)

// Holder describes one holder of a scope, as seen in the table.
type Holder struct {
	ID       string
	Fence    int64
	Acquired time.Time
	Renewed  time.Time
	Expires  time.Time
}

// HeldError is returned by TryAcquire when every slot of the scope is held
// by a live holder. It says who holds what until when.
type HeldError struct {
	Scope   string
	Max     int
	Holders []Holder
}

func (e *HeldError) Error() string {
	parts := make([]string, len(e.Holders))
	for i, h := range e.Holders {
		parts[i] = fmt.Sprintf("%s (fence %d) until %s", h.ID, h.Fence, h.Expires.UTC().Format(time.RFC3339Nano))
	}
	return fmt.Sprintf("lease: scope %q full (%d of %d held): %s", e.Scope, len(e.Holders), e.Max, strings.Join(parts, ", "))
}

// LostError is the cause of a lease context cancelled because the lease can
// no longer be trusted: renewal was refused, or failed for longer than was
// safe.
type LostError struct {
	Scope  string
	Holder string
	Fence  int64
	Reason string
}

func (e *LostError) Error() string {
	return fmt.Sprintf("lease: lost %s (holder %s, fence %d): %s", e.Scope, e.Holder, e.Fence, e.Reason)
}

// Is makes errors.Is(err, ErrNotHeld) true for a lost lease.
func (e *LostError) Is(target error) bool { return target == ErrNotHeld }

// ConfigError reports an invalid setting; Field names it.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string { return fmt.Sprintf("lease: invalid %s: %s", e.Field, e.Reason) }

func configErr(field, format string, args ...any) error {
	return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// asConditional is errors.As for a failed condition of a single-item write.
func asConditional(err error, target **types.ConditionalCheckFailedException) bool {
	return errors.As(err, target)
}
