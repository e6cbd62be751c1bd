package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// ReadStats gets GET <url>/stats from a running emulator (cmd/bedrock-emulator
// or a Server behind an HTTP server): what Server.Stats returns in
// process.
func ReadStats(ctx context.Context, url string) (Stats, error) {
	var s Stats
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/stats", nil)
	if err != nil {
		return s, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return s, fmt.Errorf("emulator: stats: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("emulator: stats: %s", resp.Status)
	}
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

// Calls are the counters of Stats summed over every model, a plain value.
type Calls struct {
	Admitted, Completed, InFlight, PeakInFlight int64
	ThrottledTokens, ThrottledRequests          int64
	InputTokens, OutputTokens                   int64
	Faults                                      int64 // 503 and 500 injected
}

// Throttled is every 429 the emulator answered.
func (c Calls) Throttled() int64 { return c.ThrottledTokens + c.ThrottledRequests }

// Sum adds up the counters of every model (the peak in flight is the
// highest of any model).
func (s Stats) Sum() Calls {
	var c Calls
	for _, m := range s.Models {
		c.Admitted += m.Admitted
		c.Completed += m.Completed
		c.InFlight += m.InFlight
		c.PeakInFlight = max(c.PeakInFlight, m.PeakInFlight)
		c.ThrottledTokens += m.Throttled.Tokens
		c.ThrottledRequests += m.Throttled.Requests
		c.InputTokens += m.InputTokens
		c.OutputTokens += m.OutputTokens
		c.Faults += m.Faults.Unavailable + m.Faults.Internal
	}
	return c
}
