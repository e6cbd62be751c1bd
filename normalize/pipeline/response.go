package pipeline

import (
	"sync"
	"time"

	"github.com/vectora/ingest-normalize/bedrock"
)

// Response is what one Run did, returned as the Lambda's JSON answer.
// It is a plain value once Run returned.
type Response struct {
	RunKey           string       `json:"run_key"`
	Message          string       `json:"message"`
	Paused           string       `json:"paused,omitempty"` // why the environment is paused: the run claimed nothing
	DryRun           bool         `json:"dry_run,omitempty"`
	Counts           Counts       `json:"counts"`
	Selection        Selection    `json:"selection"`
	Bedrock          BedrockStats `json:"bedrock"`
	Lease            LeaseStats   `json:"lease"`
	Workers          WorkerStats  `json:"workers"`
	DynamoDBRequests int64        `json:"dynamodb_requests"`
	DurationMS       int64        `json:"duration_ms"`
	Outputs          Outputs      `json:"outputs"`
	BadItems         []BadItem    `json:"bad_items,omitempty"`
}

// Counts are item counts. Items = OK + Fallback + Failed + AlreadyDone +
// Peers + Remaining, except that a failed item is also Remaining (a later
// invocation retries it). Skipped counts the bad items, which are not in
// Items.
type Counts struct {
	Items       int `json:"items"`        // input items of the run
	Batches     int `json:"batches"`      // batches of the run
	Claimed     int `json:"claimed"`      // items in batches this invocation claimed
	OK          int `json:"ok"`           // records written by this invocation, by status
	Fallback    int `json:"fallback"`     //
	Failed      int `json:"failed"`       //
	Skipped     int `json:"skipped"`      // bad input items: no usable id, no record
	AlreadyDone int `json:"already_done"` // had a usable record already (or a newer holder wrote it)
	Peers       int `json:"peers"`        // finished by other invocations during this one
	Remaining   int `json:"remaining"`    // without a usable record when this invocation ended
	// Replaced counts the records of OK, Fallback and Failed that took the
	// place of an earlier record of the item: every one that existed under
	// force_reprocess, else those that were failed or of other content.
	Replaced int `json:"replaced"`
}

// BedrockStats sum the calls of one Run.
type BedrockStats struct {
	Calls     int   `json:"calls"`
	Attempts  int   `json:"attempts"`
	Throttles int   `json:"throttles"`
	TokensIn  int64 `json:"tokens_in"`
	TokensOut int64 `json:"tokens_out"`
	// TokensReserved and TokensSettled are quota tokens (burndown
	// applied): what the successful calls reserved and what they settled to.
	TokensReserved int64 `json:"tokens_reserved"`
	TokensSettled  int64 `json:"tokens_settled"`
	// BudgetWaitMS and BedrockMS are summed over the calls, which run on
	// up to the worker cap at once: they can exceed the Response's
	// DurationMS, the invocation's own time.
	BudgetWaitMS int64 `json:"budget_wait_ms"`
	BedrockMS    int64 `json:"bedrock_ms"`
	// TokensCacheRead and TokensCacheWrite are input tokens read from and
	// written to Bedrock's prompt cache (not in TokensIn).
	TokensCacheRead  int64 `json:"tokens_cache_read"`
	TokensCacheWrite int64 `json:"tokens_cache_write"`
	// CostUSD is the estimated cost of the calls at the configured price.
	CostUSD float64 `json:"cost_usd"`
	// SharedCalls counts items that took the answer of an identical prompt
	// instead of calling.
	SharedCalls int `json:"shared_calls"`
}

// LeaseStats describe the lease of one Run.
type LeaseStats struct {
	Scope  string `json:"scope"`
	Holder string `json:"holder,omitempty"`
	Fence  int64  `json:"fence,omitempty"`
	WaitMS int64  `json:"wait_ms"`
	Lost   string `json:"lost,omitempty"`
}

// WorkerStats describe the worker pool of one Run.
type WorkerStats struct {
	Cap   int `json:"cap"`
	Final int `json:"final"`
	Peak  int `json:"peak"`
}

// Outputs are the objects one Run wrote: the first MaxListedKeys keys and
// the count.
type Outputs struct {
	Count  int      `json:"count"`
	Prefix string   `json:"prefix"`
	Keys   []string `json:"keys,omitempty"`
}

// MaxListedKeys bounds Outputs.Keys.
const MaxListedKeys = 100

// tally accumulates a Response while workers run; safe for concurrent use.
type tally struct {
	mu                       sync.Mutex
	ok, fallback, failed     int
	already, abandoned       int
	calls, attempts, throttl int
	in, out                  int64
	reserved, settled        int64
	wait, bedrock            time.Duration
	cache                    cacheTally // usage.go
	keys                     []string
	nkeys, nreplaced         int
}

// add counts one Bedrock call (successful or not).
func (t *tally) add(s bedrock.Stats, u bedrock.Usage) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls++
	t.attempts += s.Attempts
	t.throttl += s.Throttles
	t.in += u.InputTokens
	t.out += u.OutputTokens
	t.reserved += u.ReservedTokens
	t.settled += u.SettledTokens
	t.wait += s.BudgetWait
	t.bedrock += s.BedrockTime
	t.cache.add(u)
}

// wrote counts one object written.
func (t *tally) wrote(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.nkeys++
	if len(t.keys) < MaxListedKeys {
		t.keys = append(t.keys, key)
	}
}

// replaced counts one record written over an earlier one.
func (t *tally) replaced() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.nreplaced++
}

// outcome counts one item's outcome.
func (t *tally) outcome(o outcome) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch o {
	case outOK:
		t.ok++
	case outFallback:
		t.fallback++
	case outFailed:
		t.failed++
	case outAlready, outStale:
		t.already++
	default:
		t.abandoned++
	}
}
