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
	scope string
	hs    []lease.Holder
}

// Holders reads the holders of the lease's scope (one strongly consistent
// GetItem through the lease manager; throttling and 5xx retried until ctx
// ends).
func (s *Set) Holders(ctx context.Context) (*Holders, error) {
	return s.holders(ctx, s.lease.Scope())
}

func (s *Set) holders(ctx context.Context, scope string) (*Holders, error) {
	var hs []lease.Holder
	err := s.read(ctx, func() (err error) {
		_, hs, err = s.leases.Holders(ctx, scope)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Holders{m: s.leases, clock: s.clock, scope: scope, hs: hs}, nil
}

// Live reports whether the holder of st may still act, now: the snapshot
// lists it with st's fence and the lease manager finds it live
// (lease.Manager.Live, with its skew margin). A holder the snapshot does
// not list is gone.
func (h *Holders) Live(st State) bool {
	e, ok := h.entry(st)
	return ok && h.m.Live(e, h.clock.Now())
}

// entry is the entry of st's holder in the snapshot.
func (h *Holders) entry(st State) (lease.Holder, bool) {
	for _, x := range h.hs {
		if x.ID == st.Holder && x.Fence == st.Fence {
			return x, true
		}
	}
	return lease.Holder{}, false
}

// HoldersOf reads the holders of st's scope (the lease's when st records
// none): what Holders.Live judges st by, and what Over removes.
func (s *Set) HoldersOf(ctx context.Context, st State) (*Holders, error) {
	scope := st.Scope
	if scope == "" {
		scope = s.lease.Scope()
	}
	return s.holders(ctx, scope)
}
