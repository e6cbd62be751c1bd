package faultproxy

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/vectora/ingest-normalize/internal/clock"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy injects faults in front of an upstream handler.
type Proxy struct {
	upstream http.Handler
	seed     uint64
	n        atomic.Uint64
	only     func(op string) bool
	clock    clock.Clock
	tokens   *tokens // nil: tokens ignored, as the local servers do
	hot      hotItems
	overlap  *overlaps // nil: no conflicts from overlapping requests

	mu    sync.RWMutex
	rates Rates

	c counters
}

// call is one request as the proxy sees it.
type call struct {
	n     uint64
	op    string
	rates Rates
	body  []byte
	req   request
}

// Option configures a Proxy.
type Option func(*Proxy)

// WithRates sets the initial rates (default: none, a transparent proxy).
func WithRates(r Rates) Option { return func(p *Proxy) { p.rates = r } }

// WithSeed seeds the fault draws (default 1).
func WithSeed(seed uint64) Option { return func(p *Proxy) { p.seed = seed } }

// WithOperations limits faults to the operations for which match returns
// true (the X-Amz-Target suffix, such as "UpdateItem"); others pass.
func WithOperations(match func(op string) bool) Option { return func(p *Proxy) { p.only = match } }

// WithClock sets the clock of the token window and of hot items (default
// clock.System). Holds, spikes and resets are network time: wall time.
func WithClock(c clock.Clock) Option { return func(p *Proxy) { p.clock = c } }

// WithoutTokens makes the proxy ignore ClientRequestToken, as minidyn and
// moto do: a retried TransactWriteItems is applied again.
func WithoutTokens() Option { return func(p *Proxy) { p.tokens = nil } }

// New returns a Proxy in front of upstream.
func New(upstream http.Handler, opts ...Option) (*Proxy, error) {
	p := &Proxy{upstream: upstream, seed: 1, clock: clock.System, tokens: &tokens{}}
	for _, o := range opts {
		o(p)
	}
	if upstream == nil {
		return nil, fmt.Errorf("faultproxy: no upstream")
	}
	if err := p.rates.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// NewURL returns a Proxy in front of the server at rawURL.
func NewURL(rawURL string, opts ...Option) (*Proxy, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("faultproxy: upstream %q is not an absolute URL", rawURL)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, err error) {
		writeError(w, http.StatusBadGateway, "InternalServerError", "faultproxy: upstream: "+err.Error())
	}
	return New(rp, opts...)
}

// SetRates replaces the rates; it fails, changing nothing, when they are
// invalid.
func (p *Proxy) SetRates(r Rates) error {
	if err := r.Validate(); err != nil {
		return err
	}
	p.mu.Lock()
	p.rates = r
	p.mu.Unlock()
	return nil
}

// Rates returns the current rates.
func (p *Proxy) Rates() Rates {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.rates
}

// Stats returns what was injected so far.
func (p *Proxy) Stats() Stats { return p.c.stats() }

// Operation returns the DynamoDB operation of r ("UpdateItem"), from its
// X-Amz-Target header.
func Operation(r *http.Request) string {
	t := r.Header.Get("X-Amz-Target")
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		return t[i+1:]
	}
	return t
}

// IsWrite reports whether op changes the table.
func IsWrite(op string) bool {
	switch op {
	case "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem":
		return true
	}
	return false
}

// ServeHTTP forwards r to the upstream, or fails it.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := p.n.Add(1)
	p.c.requests.Add(1)
	op := Operation(r)
	rates := p.Rates()
	if p.only != nil && !p.only(op) {
		rates = Rates{}
	}
	if p.before(w, r, n, rates) {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		return // the client went away
	}
	c := &call{n: n, op: op, rates: rates, body: body, req: parse(body)}
	tok, answered := p.remember(w, c)
	if answered {
		return
	}
	o := p.serve(w, r, c)
	if tok != "" {
		p.tokens.end(tok, o, p.clock.Now())
	}
}

// serve injects the faults met on the way to the upstream and forwards c;
// it returns the upstream's answer (status 0 when c was not forwarded).
func (p *Proxy) serve(w http.ResponseWriter, r *http.Request, c *call) outcome {
	if p.refuse(w, c) {
		return outcome{}
	}
	if draw(p.seed, c.n, kindSpike) < c.rates.Spike {
		p.c.spikes.Add(1)
		if !sleep(r, spikeLatency(c.rates)) {
			return outcome{}
		}
	}
	ctx := r.Context()
	held := draw(p.seed, c.n, kindHold) < c.rates.Hold
	if held {
		ctx = p.hold(r, c)
	}
	up := r.Clone(ctx)
	up.Body, up.ContentLength = io.NopCloser(bytes.NewReader(c.body)), int64(len(c.body))
	conflicted, end := p.overlapped(w, c)
	if conflicted {
		return outcome{}
	}
	o := p.forward(w, up, c)
	end()
	if held {
		p.abandoned(r)
	}
	return o
}

// before injects the faults that keep r from the upstream; it reports
// whether it did.
func (p *Proxy) before(w http.ResponseWriter, r *http.Request, n uint64, rates Rates) bool {
	u := draw(p.seed, n, kindBefore)
	switch {
	case u < rates.Internal:
		p.c.internal.Add(1)
		drain(r)
		writeError(w, http.StatusInternalServerError, "InternalServerError", "Internal server error (injected)")
	case u < rates.Internal+rates.Throughput:
		p.c.throughput.Add(1)
		drain(r)
		writeError(w, http.StatusBadRequest, "ProvisionedThroughputExceededException",
			"The level of configured provisioned throughput for the table was exceeded (injected)")
	case u < rates.Internal+rates.Throughput+rates.Reset:
		p.c.reset.Add(1)
		drain(r)
		hangUp(w)
	default:
		return false
	}
	return true
}

// forward sends c upstream and answers the client, or, for a write at the
// applied-fault rates, hides the answer from it. It returns the upstream's
// answer.
func (p *Proxy) forward(w http.ResponseWriter, r *http.Request, c *call) outcome {
	rec := httptest.NewRecorder()
	p.c.forwarded.Add(1)
	p.upstream.ServeHTTP(rec, r)
	o := outcome{status: rec.Code, header: rec.Header().Clone(), body: rec.Body.Bytes()}
	if IsWrite(c.op) {
		u := draw(p.seed, c.n, kindApplied)
		switch {
		case u < c.rates.AppliedFailed:
			p.c.appFailed.Add(1)
			writeError(w, http.StatusInternalServerError, "InternalServerError", "Internal server error (injected after the write was applied)")
			return o
		case u < c.rates.AppliedFailed+c.rates.AppliedDropped:
			p.c.appDropped.Add(1)
			hangUp(w)
			return o
		}
	}
	o.write(w)
	return o
}

// write sends o to the client.
func (o outcome) write(w http.ResponseWriter) {
	for k, vs := range o.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(o.status)
	_, _ = w.Write(o.body)
}

// writeError answers like DynamoDB's JSON protocol.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"__type":"com.amazonaws.dynamodb.v20120810#%s","message":%q}`, code, msg)
}

// hangUp closes the client's connection without an answer, with a TCP
// reset where possible.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // HTTP/2 or a recorder: abort the stream
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func drain(r *http.Request) { _, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 32<<20)) }

// sleep waits d unless the client goes away first.
func sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}
