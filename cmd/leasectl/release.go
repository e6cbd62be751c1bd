package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"

	"github.com/vectora/ingest-normalize/internal/inspect"
	"github.com/vectora/ingest-normalize/lease"
)

func releaseFlags(fs *flag.FlagSet) func(context.Context, *app) error {
	scope := fs.String("scope", "", "scope of the lease (required)")
	holder := fs.String("holder", "", "holder id to remove (required)")
	force := fs.Bool("force", false, "release even a live lease (its holder loses it at its next renewal)")
	return func(ctx context.Context, a *app) error {
		switch {
		case *scope == "":
			return usagef("--scope: required")
		case *holder == "":
			return usagef("--holder: required")
		}
		return a.release(ctx, *scope, *holder, *force)
	}
}

// release removes holder's entry from the scope record (lease.Manager.Evict):
// one conditional write on the entry being the one read (same fence and,
// without force, same expiry: not renewed since).
func (a *app) release(ctx context.Context, scope, holder string, force bool) error {
	fence, hs, err := a.leases.Holders(ctx, scope)
	if err != nil {
		return err
	}
	if fence == 0 {
		return fmt.Errorf("scope %q not found in table %s", scope, a.table)
	}
	i := slices.IndexFunc(hs, func(h lease.Holder) bool { return h.ID == holder })
	if i < 0 {
		return fmt.Errorf("holder %q does not hold scope %q", holder, scope)
	}
	h, now := hs[i], a.now()
	switch err := a.leases.Evict(ctx, scope, h, force); {
	case errors.Is(err, lease.ErrLive):
		return refusedf("lease of %s on %s (fence %d) is live for %s more: release it with --force",
			holder, scope, h.Fence, seconds(h.Expires.Sub(now).Milliseconds()))
	case errors.Is(err, lease.ErrChanged):
		return refusedf("holder %s of %s changed since it was read (renewed or replaced): look again", h.ID, scope)
	case err != nil:
		return err
	}
	row := a.leaseRow(inspect.Holder{Scope: scope, Holder: h}, now)
	return a.output(map[string]any{"released": row, "forced": force}, func(w io.Writer) {
		fmt.Fprintf(w, "released %s from %s (fence %d, was %s)\n", holder, scope, h.Fence, row.State)
	})
}
