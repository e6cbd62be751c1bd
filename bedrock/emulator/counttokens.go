package emulator

import (
	"encoding/json"
	"net/http"
)

// countTokensRequest is the CountTokens body as the SDK serialises it:
// {"input":{"invokeModel":{"body":"<base64 InvokeModel body>"}}} or
// {"input":{"converse":{"messages":[…],"system":[…]}}}.
type countTokensRequest struct {
	Input struct {
		InvokeModel *struct {
			Body []byte `json:"body"`
		} `json:"invokeModel"`
		Converse json.RawMessage `json:"converse"`
	} `json:"input"`
}

// serveCountTokens answers POST /model/{modelId}/count-tokens with the
// input tokens InvokeModel or Converse would charge for the same request.
// It is free: no quota, no latency, no faults.
func (s *Server) serveCountTokens(w http.ResponseWriter, r *http.Request) {
	_, req, ok := s.serveRequest(w, r, s.parseCountTokens)
	if !ok {
		return
	}
	writeBody(w, struct {
		InputTokens int `json:"inputTokens"`
	}{req.inputTokens()})
}

// parseCountTokens reads the request of a CountTokens body.
func (s *Server) parseCountTokens(b []byte) (request, error) {
	var in countTokensRequest
	if err := json.Unmarshal(b, &in); err != nil {
		return request{}, validation("The request body is not valid JSON: %v", err)
	}
	switch {
	case in.Input.InvokeModel != nil:
		return s.parseInvoke(in.Input.InvokeModel.Body)
	case len(in.Input.Converse) > 0:
		return s.parseConverse(in.Input.Converse, false)
	}
	return request{}, validation("input must hold invokeModel or converse")
}
