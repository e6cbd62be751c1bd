package bedrock

import "context"

// Budget admits Bedrock calls against the shared quota. Implementations are
// safe for concurrent use.
type Budget interface {
	// Reserve blocks until tokens quota tokens and one request fit, or ctx
	// ends.
	Reserve(ctx context.Context, tokens int64) (Reservation, error)
	// Throttled reports that Bedrock throttled a call anyway; kind says
	// which quota.
	Throttled(ctx context.Context, kind Quota)
}

// Reservation is quota held by one attempt, from Budget.Reserve until it is
// settled or cancelled.
type Reservation interface {
	// Settle refunds or charges the difference between the reservation and
	// usedTokens.
	Settle(ctx context.Context, usedTokens int64) error
	// Cancel gives the reservation back: the call never happened (throttled
	// or failed). Cancel after Settle does nothing.
	Cancel()
}

// Quota names a Bedrock quota that can throttle a call.
type Quota int

// The quotas Bedrock throttles on.
const (
	// QuotaTokens is tokens per minute (or per day).
	QuotaTokens Quota = iota
	// QuotaRequests is requests per minute.
	QuotaRequests
)

// String returns "tokens" or "requests".
func (q Quota) String() string {
	switch q {
	case QuotaTokens:
		return "tokens"
	case QuotaRequests:
		return "requests"
	}
	return "quota(?)"
}

// Unlimited is a Budget that admits every call at once and ignores
// throttles, for strategies without a shared budget. It is safe for
// concurrent use.
var Unlimited Budget = unlimited{}

type unlimited struct{}

func (unlimited) Reserve(context.Context, int64) (Reservation, error) {
	return noReservation{}, nil
}

func (unlimited) Throttled(context.Context, Quota) {}

type noReservation struct{}

func (noReservation) Settle(context.Context, int64) error { return nil }

func (noReservation) Cancel() {}
