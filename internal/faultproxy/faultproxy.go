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
	"sync"
	"sync/atomic"
	"time"
)

// Rates are fault probabilities per request, each in [0, 1]. The
// before-forwarding faults (Internal, Throughput, Reset) share one draw, so
// their sum must be at most 1; so must the sum of the applied-then-failed
// faults, which only hit writes that reached the upstream.
type Rates struct {
	Internal       float64       // 500 InternalServerError, not forwarded
	Throughput     float64       // 400 ProvisionedThroughputExceededException, not forwarded
	Reset          float64       // connection reset, not forwarded
	Spike          float64       // latency spike of SpikeLatency before forwarding
	SpikeLatency   time.Duration // default 200 ms
	AppliedFailed  float64       // write applied upstream, then answered 500
	AppliedDropped float64       // write applied upstream, then connection dropped
}

// Validate reports a rate outside [0, 1] or sums above 1.
func (r Rates) Validate() error {
	for name, v := range map[string]float64{"internal": r.Internal, "throughput": r.Throughput, "reset": r.Reset,
		"spike": r.Spike, "applied-failed": r.AppliedFailed, "applied-dropped": r.AppliedDropped} {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("faultproxy: %s rate %v is not within [0, 1]", name, v)
		}
	}
	switch {
	case r.Internal+r.Throughput+r.Reset > 1:
		return fmt.Errorf("faultproxy: internal+throughput+reset rates sum to %v, more than 1", r.Internal+r.Throughput+r.Reset)
	case r.AppliedFailed+r.AppliedDropped > 1:
		return fmt.Errorf("faultproxy: applied-failed+applied-dropped rates sum to %v, more than 1", r.AppliedFailed+r.AppliedDropped)
	case r.SpikeLatency < 0:
		return fmt.Errorf("faultproxy: spike latency %v is negative", r.SpikeLatency)
	}
	return nil
}

// Uniform returns rates that split total evenly over every fault kind:
// a request meets some fault with probability about total.
func Uniform(total float64) Rates {
	return Rates{Internal: total / 6, Throughput: total / 6, Reset: total / 6, Spike: total / 6,
		AppliedFailed: total / 3, AppliedDropped: total / 3} // writes only: about half the traffic
}

// Stats counts requests and injected faults. Applied* count writes that
// took effect upstream although the client was told they failed.
type Stats struct {
	Requests       int64 `json:"requests"`
	Forwarded      int64 `json:"forwarded"`
	Internal       int64 `json:"internal"`
	Throughput     int64 `json:"throughput"`
	Reset          int64 `json:"reset"`
	Spikes         int64 `json:"spikes"`
	AppliedFailed  int64 `json:"applied_failed"`
	AppliedDropped int64 `json:"applied_dropped"`
}

// Injected is the number of requests that met a failure (spikes excluded).
func (s Stats) Injected() int64 {
	return s.Internal + s.Throughput + s.Reset + s.AppliedFailed + s.AppliedDropped
}

// Proxy injects faults in front of an upstream handler.
type Proxy struct {
	upstream http.Handler
	seed     uint64
	n        atomic.Uint64
	only     func(op string) bool

	mu    sync.RWMutex
	rates Rates

	requests, forwarded, internal, throughput, reset, spikes, appFailed, appDropped atomic.Int64
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

// New returns a Proxy in front of upstream.
func New(upstream http.Handler, opts ...Option) (*Proxy, error) {
	p := &Proxy{upstream: upstream, seed: 1}
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
func (p *Proxy) Stats() Stats {
	return Stats{Requests: p.requests.Load(), Forwarded: p.forwarded.Load(), Internal: p.internal.Load(),
		Throughput: p.throughput.Load(), Reset: p.reset.Load(), Spikes: p.spikes.Load(),
		AppliedFailed: p.appFailed.Load(), AppliedDropped: p.appDropped.Load()}
}

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
	p.requests.Add(1)
	op := Operation(r)
	rates := p.Rates()
	if p.only != nil && !p.only(op) {
		rates = Rates{}
	}
	if p.before(w, r, n, rates) {
		return
	}
	if draw(p.seed, n, kindSpike) < rates.Spike {
		p.spikes.Add(1)
		if !sleep(r, spikeLatency(rates)) {
			return
		}
	}
	if !IsWrite(op) || rates.AppliedFailed+rates.AppliedDropped == 0 {
		p.forwarded.Add(1)
		p.upstream.ServeHTTP(w, r)
		return
	}
	p.forwardWrite(w, r, n, rates)
}

// before injects the faults that keep r from the upstream; it reports
// whether it did.
func (p *Proxy) before(w http.ResponseWriter, r *http.Request, n uint64, rates Rates) bool {
	u := draw(p.seed, n, kindBefore)
	switch {
	case u < rates.Internal:
		p.internal.Add(1)
		drain(r)
		writeError(w, http.StatusInternalServerError, "InternalServerError", "Internal server error (injected)")
	case u < rates.Internal+rates.Throughput:
		p.throughput.Add(1)
		drain(r)
		writeError(w, http.StatusBadRequest, "ProvisionedThroughputExceededException",
			"The level of configured provisioned throughput for the table was exceeded (injected)")
	case u < rates.Internal+rates.Throughput+rates.Reset:
		p.reset.Add(1)
		drain(r)
		hangUp(w)
	default:
		return false
	}
	return true
}

// forwardWrite sends a write upstream and then, at the applied-fault
// rates, hides its answer from the client.
func (p *Proxy) forwardWrite(w http.ResponseWriter, r *http.Request, n uint64, rates Rates) {
	rec := httptest.NewRecorder()
	p.forwarded.Add(1)
	p.upstream.ServeHTTP(rec, r)
	u := draw(p.seed, n, kindApplied)
	switch {
	case u < rates.AppliedFailed:
		p.appFailed.Add(1)
		writeError(w, http.StatusInternalServerError, "InternalServerError", "Internal server error (injected after the write was applied)")
		return
	case u < rates.AppliedFailed+rates.AppliedDropped:
		p.appDropped.Add(1)
		hangUp(w)
		return
	}
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.Code)
	_, _ = io.Copy(w, bytes.NewReader(rec.Body.Bytes()))
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

func spikeLatency(r Rates) time.Duration {
	if r.SpikeLatency > 0 {
		return r.SpikeLatency
	}
	return 200 * time.Millisecond
}

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
