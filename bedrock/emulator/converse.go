package emulator

import (
	"encoding/json"
	"io"
	"net/http"
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

// converseText is a content block; only text blocks carry tokens here.
type converseText struct {
	Text *string `json:"text,omitempty"`
}

// converseResponse is the Converse answer.
type converseResponse struct {
	Output struct {
		Message struct {
			Role    string         `json:"role"`
			Content []converseText `json:"content"`
		} `json:"message"`
	} `json:"output"`
	StopReason string `json:"stopReason"`
	Usage      struct {
		InputTokens  int `json:"inputTokens"`
		OutputTokens int `json:"outputTokens"`
		TotalTokens  int `json:"totalTokens"`
	} `json:"usage"`
	Metrics struct {
		LatencyMs int64 `json:"latencyMs"`
	} `json:"metrics"`
}

// serveConverse answers POST /model/{modelId}/converse.
func (s *Server) serveConverse(w http.ResponseWriter, r *http.Request) {
	e, err := s.lookup(r.PathValue("modelId"))
	if err != nil {
		writeError(w, err)
		return
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 20<<20))
	if err != nil {
		writeError(w, malformed("unreadable body"))
		return
	}
	req, err := s.parseConverse(b, true)
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
	var out converseResponse
	out.Output.Message.Role = "assistant"
	out.Output.Message.Content = []converseText{{Text: &res.text}}
	out.StopReason = stopReason(res.truncated)
	out.Usage.InputTokens, out.Usage.OutputTokens = res.input, res.output
	out.Usage.TotalTokens = res.input + res.output
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
	req.system = texts(in.System)
	for i, m := range in.Messages {
		if m.Role != "user" && m.Role != "assistant" {
			return request{}, validation("messages.%d.role: %q is not user or assistant", i, m.Role)
		}
		if len(m.Content) == 0 {
			return request{}, validation("messages.%d.content must not be empty", i)
		}
		req.messages = append(req.messages, texts(m.Content))
	}
	return req, nil
}

// texts returns the texts of the text blocks.
func texts(blocks []converseText) []string {
	var out []string
	for _, b := range blocks {
		if b.Text != nil {
			out = append(out, *b.Text)
		}
	}
	return out
}
