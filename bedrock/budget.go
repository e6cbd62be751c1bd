package bedrock

import (
	"context"

	"github.com/vectora/ingest-normalize/lease/budget"
)

// Budget admits Bedrock calls against the shared quota: *budget.Budget,
// which coordinates every invocation through the coordination table, or
// Unlimited. Implementations are safe for concurrent use.
type Budget interface {
	// Reserve blocks until tokens quota tokens and one request fit, or ctx
	// ends. The Client settles or cancels the reservation.
	Reserve(ctx context.Context, tokens int64) (*budget.Reservation, error)
	// Throttled reports that Bedrock throttled a call anyway; q says which
	// quota.
	Throttled(ctx context.Context, q budget.Quota)
}

var _ Budget = (*budget.Budget)(nil)

// Unlimited is a Budget that admits every call at once and ignores
// throttles, for strategies without a shared budget. Its reservations are
// nil, whose Settle and Cancel do nothing. It is safe for concurrent use.
var Unlimited Budget = unlimited{}

type unlimited struct{}

func (unlimited) Reserve(context.Context, int64) (*budget.Reservation, error) { return nil, nil }

func (unlimited) Throttled(context.Context, budget.Quota) {}
