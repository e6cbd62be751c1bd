package claim

import (
	"context"

	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/lease"
)

// Holders is the holders of one lease scope as read once, to judge the
// liveness of many claims with one request. It is safe for concurrent use.
type Holders struct {
	m     *lease.Manager
	clock clock.Clock
	hs    []lease.Holder
}

// Holders reads the holders of the lease's scope (one strongly consistent
// GetItem through the lease manager).
func (s *Set) Holders(ctx context.Context) (*Holders, error) {
	return s.holders(ctx, s.lease.Scope())
}

func (s *Set) holders(ctx context.Context, scope string) (*Holders, error) {
	_, hs, err := s.leases.Holders(ctx, scope)
	if err != nil {
		return nil, err
	}
	return &Holders{m: s.leases, clock: s.clock, hs: hs}, nil
}

// Live reports whether the holder of st may still act, now: the snapshot
// lists it with st's fence and the lease manager finds it live
// (lease.Manager.Live, with its skew margin). A holder the snapshot does
// not list is gone.
func (h *Holders) Live(st State) bool {
	now := h.clock.Now()
	for _, x := range h.hs {
		if x.ID == st.Holder && x.Fence == st.Fence {
			return h.m.Live(x, now)
		}
	}
	return false
}

// Live reports whether the holder of st may still act: Holders.Live on one
// read of st's scope (the lease's when st records none).
func (s *Set) Live(ctx context.Context, st State) (bool, error) {
	scope := st.Scope
	if scope == "" {
		scope = s.lease.Scope()
	}
	h, err := s.holders(ctx, scope)
	if err != nil {
		return false, err
	}
	return h.Live(st), nil
}
