package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
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

// textBlock is a content block; only text blocks carry tokens here.
type textBlock struct {
	Type string `json:"type"`
	Text string `json:"text"`
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
	Usage        struct {
		InputTokens  int `json:"input_tokens"`
		OutputTokens int `json:"output_tokens"`
	} `json:"usage"`
}

// serveInvoke answers POST /model/{modelId}/invoke.
func (s *Server) serveInvoke(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("modelId")
	e, err := s.lookup(id)
	if err != nil {
		writeError(w, err)
		return
	}
	req, err := s.decodeInvoke(r.Body)
	if err != nil {
		s.count(e, func(m *ModelStats) { m.ValidationErrors++ })
		writeError(w, err)
		return
	}
	res, err := s.call(r.Context(), e, req)
	if err != nil {
		writeError(w, err)
		return
	}
	out := invokeResponse{
		ID: "msg_bdrk_" + strconv.FormatUint(hashText(req.prompt()), 36), Type: "message", Role: "assistant",
		Model: e.id, Content: []textBlock{{Type: "text", Text: res.text}}, StopReason: stopReason(res.truncated),
	}
	out.Usage.InputTokens, out.Usage.OutputTokens = res.input, res.output
	h := w.Header()
	h.Set("X-Amzn-Bedrock-Input-Token-Count", strconv.Itoa(res.input))
	h.Set("X-Amzn-Bedrock-Output-Token-Count", strconv.Itoa(res.output))
	h.Set("X-Amzn-Bedrock-Invocation-Latency", strconv.FormatInt(res.latency.Milliseconds(), 10))
	writeBody(w, out)
}

// decodeInvoke reads and validates an Anthropic Messages body.
func (s *Server) decodeInvoke(body io.Reader) (request, error) {
	b, err := io.ReadAll(io.LimitReader(body, 20<<20))
	if err != nil {
		return request{}, malformed("unreadable body")
	}
	return s.parseInvoke(b)
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
	var err error
	if req.system, err = blockTexts(in.System, "#/system"); err != nil {
		return request{}, err
	}
	for i, m := range in.Messages {
		if m.Role != "user" && m.Role != "assistant" {
			return request{}, malformed(fmt.Sprintf("#/messages/%d/role: %q is not a valid enum value", i, m.Role))
		}
		texts, err := blockTexts(m.Content, fmt.Sprintf("#/messages/%d/content", i))
		if err != nil {
			return request{}, err
		}
		req.messages = append(req.messages, texts)
	}
	return req, nil
}

// checkMaxTokens rejects a max_tokens below 1 or above the model maximum.
func (s *Server) checkMaxTokens(n int) error {
	limit := s.Settings().ModelMaxTokens
	if n < 1 || n > limit {
		return validation("max_tokens: %d must be between 1 and %d, the maximum allowed number of output tokens for this model", n, limit)
	}
	return nil
}

// blockTexts reads a string or an array of content blocks.
func blockTexts(raw json.RawMessage, path string) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return []string{s}, nil
	}
	var blocks []textBlock
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return nil, malformed(path + ": expected a string or an array of content blocks")
	}
	var out []string
	for _, b := range blocks {
		if b.Type == "text" {
			out = append(out, b.Text)
		}
	}
	return out, nil
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
