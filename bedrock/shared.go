package bedrock

import (
	"context"

	"github.com/vectora/ingest-normalize/lease"
)

// Shared adapts the DynamoDB-backed shared budget of package lease to the
// Budget the client draws on. It is safe for concurrent use.
func Shared(b *lease.Budget) Budget { return shared{b} }

type shared struct{ b *lease.Budget }

func (s shared) Reserve(ctx context.Context, tokens int64) (Reservation, error) {
	r, err := s.b.Reserve(ctx, tokens)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (s shared) Throttled(ctx context.Context, kind Quota) {
	q := lease.QuotaTokens
	if kind == QuotaRequests {
		q = lease.QuotaRequests
	}
	s.b.Throttled(ctx, q)
}

var _ Reservation = (*lease.Reservation)(nil)
