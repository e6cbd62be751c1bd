package faultproxy

import (
	"context"
	"net/http"
	"time"
)

// hold keeps c for its rates' HoldFor of wall time, whatever the client
// does, and returns the context to forward it with: r's values without its
// cancellation, so that the upstream applies the request even when the
// client has given up, late and after requests sent later, as a request
// that stalled in the network does.
func (p *Proxy) hold(r *http.Request, c *call) context.Context {
	p.c.held.Add(1)
	t := time.NewTimer(holdFor(c.rates))
	defer t.Stop()
	<-t.C
	return context.WithoutCancel(r.Context())
}

// abandoned counts a held request whose client went away while it was held.
func (p *Proxy) abandoned(r *http.Request) {
	if r.Context().Err() != nil {
		p.c.heldAbandoned.Add(1)
	}
}
