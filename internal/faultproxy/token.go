package faultproxy

import (
	"net/http"
	"sync"
	"time"
)

// TokenWindow is how long DynamoDB remembers a ClientRequestToken after
// the request that used it completed.
const TokenWindow = 10 * time.Minute

// maxTokens bounds the tokens the proxy remembers.
const maxTokens = 8192

// verdict is what a token's memory says about a TransactWriteItems.
type verdict int

const (
	tokenNew        verdict = iota // unknown token: run it
	tokenReplay                    // applied before with the same parameters: answer the first outcome
	tokenMismatch                  // used before with other parameters
	tokenInProgress                // the first request with it is still running
)

// outcome is a remembered answer.
type outcome struct {
	status int
	header http.Header
	body   []byte
}

// tokenEntry is one remembered token.
type tokenEntry struct {
	params  [32]byte
	running bool
	done    time.Time // when the first request completed
	first   outcome
}

// tokens is ClientRequestToken idempotency as DynamoDB implements it for
// TransactWriteItems: within TokenWindow of the first request's
// completion, a retry with the same token and parameters returns the
// first outcome without applying again, other parameters give
// IdempotentParameterMismatchException, and a retry while the first is
// still running gives TransactionInProgressException. Only an applied
// transaction is remembered: one that was cancelled or refused (by the
// upstream or by an injected fault) applied nothing, and DynamoDB runs a
// retry with its token as a new request. Safe for concurrent use.
type tokens struct {
	mu sync.Mutex
	m  map[string]*tokenEntry
}

// begin looks tok up at now; for a new token it marks it running, and the
// caller must call end.
func (ts *tokens) begin(tok string, params [32]byte, now time.Time) (verdict, outcome) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.m == nil {
		ts.m = map[string]*tokenEntry{}
	}
	e, ok := ts.m[tok]
	switch {
	case ok && !e.running && now.Sub(e.done) > TokenWindow:
		// expired: a new request
	case ok && e.params != params:
		return tokenMismatch, outcome{}
	case ok && e.running:
		return tokenInProgress, outcome{}
	case ok:
		return tokenReplay, e.first
	}
	ts.evict(now)
	ts.m[tok] = &tokenEntry{params: params, running: true}
	return tokenNew, outcome{}
}

// end records the outcome of tok's first request: remembered when it was
// applied (status 200), forgotten otherwise.
func (ts *tokens) end(tok string, o outcome, now time.Time) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	e, ok := ts.m[tok]
	if !ok {
		return
	}
	if o.status != http.StatusOK {
		delete(ts.m, tok)
		return
	}
	e.running, e.done, e.first = false, now, o
}

// evict makes room: expired tokens first, then the oldest completed one.
func (ts *tokens) evict(now time.Time) {
	if len(ts.m) < maxTokens {
		return
	}
	var oldest string
	for tok, e := range ts.m {
		switch {
		case e.running:
		case now.Sub(e.done) > TokenWindow:
			delete(ts.m, tok)
		case oldest == "" || e.done.Before(ts.m[oldest].done):
			oldest = tok
		}
	}
	if len(ts.m) >= maxTokens && oldest != "" {
		delete(ts.m, oldest)
	}
}

// remember applies token idempotency to c: it answers a retry from the
// token's memory (answered), or returns the token of a first request,
// whose outcome the caller must hand to tokens.end ("" when c has none).
func (p *Proxy) remember(w http.ResponseWriter, c *call) (tok string, answered bool) {
	tok = c.req.ClientRequestToken
	if p.tokens == nil || c.op != "TransactWriteItems" || tok == "" {
		return "", false
	}
	v, first := p.tokens.begin(tok, fingerprint(c.body), p.clock.Now())
	switch v {
	case tokenReplay:
		p.c.tokenReplays.Add(1)
		first.write(w)
	case tokenMismatch:
		p.c.tokenMismatches.Add(1)
		writeError(w, http.StatusBadRequest, "IdempotentParameterMismatchException",
			"DynamoDB rejected the request because you retried a request with a different payload but with an idempotent token that was already used.")
	case tokenInProgress:
		p.c.tokenInProgress.Add(1)
		writeError(w, http.StatusBadRequest, "TransactionInProgressException", "The transaction with the given request token is already in progress.")
	default:
		return tok, false
	}
	return "", true
}
