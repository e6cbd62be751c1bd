package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// anthropicVersion is the only anthropic_version Bedrock accepts.
const anthropicVersion = "bedrock-2023-05-31"

// invokeRequest is the Anthropic Messages body of InvokeModel.
type invokeRequest struct {
	AnthropicVersion string          `json:"anthropic_version"`
	MaxTokens        *int            `json:"max_tokens"`
	Messages         []invokeMessage `json:"messages"`
	System           json.RawMessage `json:"system"`
	Temperature      *float64        `json:"temperature"`
}

type invokeMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// textBlock is a content block; only text blocks carry tokens here. A
// cache_control on a block puts a cache checkpoint after it.
type textBlock struct {
	Type         string        `json:"type"`
	Text         string        `json:"text"`
	CacheControl *cacheControl `json:"cache_control,omitempty"`
}

// cacheControl is an Anthropic cache checkpoint.
type cacheControl struct {
	Type string `json:"type"`
	TTL  string `json:"ttl,omitempty"`
}

// invokeUsage is the usage of an Anthropic Messages answer: input_tokens
// counts neither cache reads nor cache writes.
type invokeUsage struct {
	InputTokens              int `json:"input_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
	CacheCreation            struct {
		Ephemeral5m int `json:"ephemeral_5m_input_tokens"`
		Ephemeral1h int `json:"ephemeral_1h_input_tokens"`
	} `json:"cache_creation"`
	OutputTokens int `json:"output_tokens"`
}

// invokeResponse is the Anthropic Messages answer.
type invokeResponse struct {
	ID           string      `json:"id"`
	Type         string      `json:"type"`
	Role         string      `json:"role"`
	Model        string      `json:"model"`
	Content      []textBlock `json:"content"`
	StopReason   string      `json:"stop_reason"`
	StopSequence *string     `json:"stop_sequence"`
	Usage        invokeUsage `json:"usage"`
}

// serveInvoke answers POST /model/{modelId}/invoke.
func (s *Server) serveInvoke(w http.ResponseWriter, r *http.Request) {
	s.serveCall(w, r, s.parseInvoke, writeInvoke)
}

// writeInvoke sends the Anthropic Messages answer of res, its token
// counts and latency in headers too.
func writeInvoke(w http.ResponseWriter, e *modelEntry, req request, res result) {
	out := invokeResponse{
		ID: "msg_bdrk_" + strconv.FormatUint(hashText(req.prompt()), 36), Type: "message", Role: "assistant",
		Model: e.id, Content: []textBlock{{Type: "text", Text: res.text}}, StopReason: stopReason(res.truncated),
	}
	out.Usage = res.invokeUsage()
	h := w.Header()
	h.Set("X-Amzn-Bedrock-Input-Token-Count", strconv.Itoa(res.input))
	h.Set("X-Amzn-Bedrock-Output-Token-Count", strconv.Itoa(res.output))
	h.Set("X-Amzn-Bedrock-Cache-Read-Input-Token-Count", strconv.Itoa(res.cacheRead))
	h.Set("X-Amzn-Bedrock-Cache-Write-Input-Token-Count", strconv.Itoa(res.cacheWrite))
	h.Set("X-Amzn-Bedrock-Invocation-Latency", strconv.FormatInt(res.latency.Milliseconds(), 10))
	writeBody(w, out)
}

// parseInvoke validates an Anthropic Messages body like Bedrock does.
func (s *Server) parseInvoke(b []byte) (request, error) {
	var in invokeRequest
	if err := json.Unmarshal(b, &in); err != nil {
		return request{}, malformed("#: expected a JSON object")
	}
	switch {
	case in.AnthropicVersion == "":
		return request{}, malformed("#: required key [anthropic_version] not found")
	case in.AnthropicVersion != anthropicVersion:
		return request{}, malformed("#/anthropic_version: " + in.AnthropicVersion + " is not a valid enum value")
	case in.MaxTokens == nil:
		return request{}, malformed("#: required key [max_tokens] not found")
	case len(in.Messages) == 0:
		return request{}, malformed("#/messages: expected minimum item count: 1, found: 0")
	}
	if err := s.checkMaxTokens(*in.MaxTokens); err != nil {
		return request{}, err
	}
	req := request{maxTokens: *in.MaxTokens}
	system, err := blockTexts(in.System, "#/system")
	if err != nil {
		return request{}, err
	}
	req.system, req.checkpoints = system.texts, system.checkpoints(-1)
	for i, m := range in.Messages {
		if m.Role != "user" && m.Role != "assistant" {
			return request{}, malformed(fmt.Sprintf("#/messages/%d/role: %q is not a valid enum value", i, m.Role))
		}
		blocks, err := blockTexts(m.Content, fmt.Sprintf("#/messages/%d/content", i))
		if err != nil {
			return request{}, err
		}
		req.add(m.Role, blocks)
	}
	return req, req.checkCount("A maximum of %[2]d blocks with cache_control may be provided. Found %[1]d.")
}

// checkMaxTokens rejects a max_tokens below 1 or above the model maximum.
func (s *Server) checkMaxTokens(n int) error {
	limit := s.Settings().ModelMaxTokens
	if n < 1 || n > limit {
		return validation("max_tokens: %d must be between 1 and %d, the maximum allowed number of output tokens for this model", n, limit)
	}
	return nil
}

// blockList is the texts of a list of content blocks and its cache
// checkpoints, each given as the number of texts before it.
type blockList struct {
	texts []string
	marks []int
	ttls  []string
}

// checkpoints returns the checkpoints of l, the system prompt's when msg
// is -1, else message msg's.
func (l blockList) checkpoints(msg int) []checkpoint {
	var out []checkpoint
	for i, n := range l.marks {
		out = append(out, checkpoint{msg: msg, blocks: n, ttl: l.ttls[i]})
	}
	return out
}

// blockTexts reads a string or an array of content blocks.
func blockTexts(raw json.RawMessage, path string) (blockList, error) {
	var l blockList
	if len(raw) == 0 || string(raw) == "null" {
		return l, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		l.texts = []string{s}
		return l, nil
	}
	var blocks []textBlock
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return l, malformed(path + ": expected a string or an array of content blocks")
	}
	for i, b := range blocks {
		if b.Type == "text" {
			l.texts = append(l.texts, b.Text)
		}
		if c := b.CacheControl; c != nil {
			if c.Type != "ephemeral" || c.TTL != "" && c.TTL != "5m" && c.TTL != "1h" {
				return l, malformed(fmt.Sprintf("%s/%d/cache_control: expected type \"ephemeral\" and ttl \"5m\" or \"1h\"", path, i))
			}
			l.marks, l.ttls = append(l.marks, len(l.texts)), append(l.ttls, c.TTL)
		}
	}
	return l, nil
}

// invokeUsage returns the Anthropic usage of r.
func (r result) invokeUsage() invokeUsage {
	u := invokeUsage{InputTokens: r.input, OutputTokens: r.output,
		CacheCreationInputTokens: r.cacheWrite, CacheReadInputTokens: r.cacheRead}
	u.CacheCreation.Ephemeral5m = r.cacheByTTL[5*time.Minute]
	u.CacheCreation.Ephemeral1h = r.cacheByTTL[time.Hour]
	return u
}

func stopReason(truncated bool) string {
	if truncated {
		return "max_tokens"
	}
	return "end_turn"
}

// writeError sends an *apiError; other errors (the client went away) get
// no answer worth writing.
func writeError(w http.ResponseWriter, err error) {
	if e, ok := err.(*apiError); ok {
		e.write(w)
		return
	}
	w.WriteHeader(499)
}

// writeBody sends v as compact JSON.
func writeBody(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
