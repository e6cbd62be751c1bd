package claim

import (
	"errors"
	"fmt"
	"strings"
)

// ErrConflict is returned by Claim when another holder claimed or finished
// the claim first.
var ErrConflict = errors.New("claim: claimed or finished by someone else")

// MarkError reports marks that were not written: SKs names their claims,
// Err says why (lease.ErrNotHeld: this lease no longer holds them; else
// the DynamoDB error). It unwraps to Err.
type MarkError struct {
	SKs []string
	Err error
}

func (e *MarkError) Error() string {
	return fmt.Sprintf("claim: mark %s: %v", strings.Join(e.SKs, ", "), e.Err)
}

// Unwrap returns Err.
func (e *MarkError) Unwrap() error { return e.Err }
