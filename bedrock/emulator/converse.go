package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/vectora/ingest-normalize/bedrock/model"
)

// converseRequest is the part of a Converse request the emulator reads.
type converseRequest struct {
	Messages []struct {
		Role    string         `json:"role"`
		Content []converseText `json:"content"`
	} `json:"messages"`
	System          []converseText `json:"system"`
	InferenceConfig *struct {
		MaxTokens   *int     `json:"maxTokens"`
		Temperature *float64 `json:"temperature"`
	} `json:"inferenceConfig"`
}

// converseText is a content block; only text blocks carry tokens here. A
// cachePoint block puts a cache checkpoint after the blocks before it.
type converseText struct {
	Text       *string     `json:"text,omitempty"`
	CachePoint *cachePoint `json:"cachePoint,omitempty"`
}

// cachePoint is a Converse cache checkpoint.
type cachePoint struct {
	Type string `json:"type"`
	TTL  string `json:"ttl,omitempty"`
}

// converseUsage is the usage of a Converse answer: inputTokens counts
// neither cache reads nor cache writes; totalTokens counts them all.
type converseUsage struct {
	InputTokens           int           `json:"inputTokens"`
	OutputTokens          int           `json:"outputTokens"`
	TotalTokens           int           `json:"totalTokens"`
	CacheReadInputTokens  int           `json:"cacheReadInputTokens"`
	CacheWriteInputTokens int           `json:"cacheWriteInputTokens"`
	CacheDetails          []cacheDetail `json:"cacheDetails,omitempty"`
}

// cacheDetail is the cache writes of one lifetime.
type cacheDetail struct {
	InputTokens int    `json:"inputTokens"`
	TTL         string `json:"ttl"`
}

// converseResponse is the Converse answer.
type converseResponse struct {
	Output struct {
		Message struct {
			Role    string         `json:"role"`
			Content []converseText `json:"content"`
		} `json:"message"`
	} `json:"output"`
	StopReason string        `json:"stopReason"`
	Usage      converseUsage `json:"usage"`
	Metrics    struct {
		LatencyMs int64 `json:"latencyMs"`
	} `json:"metrics"`
}

// serveConverse answers POST /model/{modelId}/converse.
func (s *Server) serveConverse(w http.ResponseWriter, r *http.Request) {
	s.serveCall(w, r, func(b []byte) (request, error) { return s.parseConverse(b, true) }, writeConverse)
}

// writeConverse sends the Converse answer of res.
func writeConverse(w http.ResponseWriter, _ *modelEntry, _ request, res result) {
	var out converseResponse
	out.Output.Message.Role = "assistant"
	out.Output.Message.Content = []converseText{{Text: &res.text}}
	out.StopReason = stopReason(res.truncated)
	out.Usage = res.converseUsage()
	out.Metrics.LatencyMs = res.latency.Milliseconds()
	writeBody(w, out)
}

// parseConverse validates a Converse request (or, without full, the
// messages and system of a CountTokens converse input). Without
// inferenceConfig.maxTokens the call reserves the model maximum.
func (s *Server) parseConverse(b []byte, full bool) (request, error) {
	var in converseRequest
	if err := json.Unmarshal(b, &in); err != nil {
		return request{}, validation("The request body is not valid JSON: %v", err)
	}
	if len(in.Messages) == 0 {
		return request{}, validation("The messages field must contain at least one message.")
	}
	req := request{maxTokens: s.Settings().ModelMaxTokens}
	if full && in.InferenceConfig != nil && in.InferenceConfig.MaxTokens != nil {
		if err := s.checkMaxTokens(*in.InferenceConfig.MaxTokens); err != nil {
			return request{}, err
		}
		req.maxTokens = *in.InferenceConfig.MaxTokens
	}
	system, err := texts(in.System, "system")
	if err != nil {
		return request{}, err
	}
	req.system, req.checkpoints = system.texts, system.checkpoints(-1)
	for i, m := range in.Messages {
		if m.Role != "user" && m.Role != "assistant" {
			return request{}, validation("messages.%d.role: %q is not user or assistant", i, m.Role)
		}
		if len(m.Content) == 0 {
			return request{}, validation("messages.%d.content must not be empty", i)
		}
		blocks, err := texts(m.Content, fmt.Sprintf("messages.%d.content", i))
		if err != nil {
			return request{}, err
		}
		req.add(m.Role, blocks)
	}
	return req, req.checkCount("The number of cache points in the request (%[1]d) exceeds the maximum of %[2]d.")
}

// texts returns the texts of the text blocks and the cache points.
func texts(blocks []converseText, path string) (blockList, error) {
	var l blockList
	for i, b := range blocks {
		if b.Text != nil {
			l.texts = append(l.texts, *b.Text)
		}
		if c := b.CachePoint; c != nil {
			if c.Type != "default" || c.TTL != "" && c.TTL != "5m" && c.TTL != "1h" {
				return l, validation("%s.%d.cachePoint: type must be default and ttl 5m or 1h", path, i)
			}
			l.marks, l.ttls = append(l.marks, len(l.texts)), append(l.ttls, c.TTL)
		}
	}
	return l, nil
}

// converseUsage returns the Converse usage of r, cache writes detailed by
// lifetime (1h before 5m).
func (r result) converseUsage() converseUsage {
	u := converseUsage{InputTokens: r.input, OutputTokens: r.output,
		CacheReadInputTokens: r.cacheRead, CacheWriteInputTokens: r.cacheWrite}
	u.TotalTokens = r.input + r.output + r.cacheRead + r.cacheWrite
	for _, ttl := range []time.Duration{time.Hour, 5 * time.Minute} {
		if n := r.cacheByTTL[ttl]; n > 0 {
			u.CacheDetails = append(u.CacheDetails, cacheDetail{InputTokens: n, TTL: model.TTLName(ttl)})
		}
	}
	return u
}
