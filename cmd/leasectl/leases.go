package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/vectora/ingest-normalize/internal/inspect"
)

func leasesFlags(fs *flag.FlagSet) func(context.Context, *app) error {
	scope := fs.String("scope", "", "only this scope (for example ingest-normalize/dev)")
	return func(ctx context.Context, a *app) error {
		build := func(t inspect.Table) (leasesOut, error) { return a.leasesView(t, *scope, a.now()) }
		return show(ctx, a, build, printLeases)
	}
}

// leaseRow is one holder as leasectl shows it.
type leaseRow struct {
	Scope       string    `json:"scope"`
	Holder      string    `json:"holder"`
	Fence       int64     `json:"fence"`
	Acquired    time.Time `json:"acquired"`
	Renewed     time.Time `json:"renewed"`
	Expires     time.Time `json:"expires"`
	ExpiresInMS int64     `json:"expires_in_ms"` // negative once expired
	RenewedMS   int64     `json:"renewed_ago_ms"`
	State       string    `json:"state"` // live or expired
}

// scopeView is one scope record: its last fence and its holders.
type scopeView struct {
	Scope   string     `json:"scope"`
	Fence   int        `json:"last_fence"`
	Holders []leaseRow `json:"holders"`
}

type leasesOut struct {
	Now    time.Time   `json:"now"`
	Scopes []scopeView `json:"scopes"`
}

func (a *app) leasesView(t inspect.Table, only string, now time.Time) (leasesOut, error) {
	out := leasesOut{Now: now.UTC(), Scopes: []scopeView{}}
	if _, ok := t.Scopes[only]; only != "" && !ok {
		return out, fmt.Errorf("scope %q not found in the table", only)
	}
	names := make([]string, 0, len(t.Scopes))
	for s := range t.Scopes {
		if only == "" || s == only {
			names = append(names, s)
		}
	}
	sort.Strings(names)
	for _, s := range names {
		v := scopeView{Scope: s, Fence: t.Scopes[s], Holders: []leaseRow{}}
		for _, h := range t.Holders {
			if h.Scope == s {
				v.Holders = append(v.Holders, a.leaseRow(h, now))
			}
		}
		out.Scopes = append(out.Scopes, v)
	}
	return out, nil
}

// leaseRow shows h at now; live or expired by the lease manager's rule
// (expiry plus the skew margin), the one peers act on.
func (a *app) leaseRow(h inspect.Holder, now time.Time) leaseRow {
	state := "live"
	if !a.leases.Live(h.Holder, now) {
		state = "expired"
	}
	return leaseRow{Scope: h.Scope, Holder: h.ID, Fence: h.Fence, Acquired: h.Acquired.UTC(), Renewed: h.Renewed.UTC(),
		Expires: h.Expires.UTC(), ExpiresInMS: h.Expires.Sub(now).Milliseconds(),
		RenewedMS: now.Sub(h.Renewed).Milliseconds(), State: state}
}

func printLeases(w io.Writer, v leasesOut) {
	if len(v.Scopes) == 0 {
		fmt.Fprintln(w, "no lease scopes")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCOPE\tHOLDER\tFENCE\tACQUIRED\tEXPIRES IN\tLAST RENEWAL\tSTATE")
	for _, s := range v.Scopes {
		if len(s.Holders) == 0 {
			fmt.Fprintf(tw, "%s\t(none)\t%d\t\t\t\tfree\n", s.Scope, s.Fence)
		}
		for _, h := range s.Holders {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s ago\t%s\n", h.Scope, h.Holder, h.Fence,
				h.Acquired.Format(stamp), seconds(h.ExpiresInMS), seconds(h.RenewedMS), h.State)
		}
	}
	tw.Flush()
}

// stamp is how leasectl prints instants: UTC, milliseconds.
const stamp = "2006-01-02T15:04:05.000Z"

func seconds(ms int64) string { return fmt.Sprintf("%.1fs", float64(ms)/1000) }
