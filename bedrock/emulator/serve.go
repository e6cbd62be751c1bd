package emulator

import (
	"io"
	"net/http"
)

// maxBody is the largest request body the emulator reads.
const maxBody = 20 << 20

// serveRequest is the start every /model/{modelId}/… route shares: it looks
// the model up, reads the body and parses it, answering the error itself
// (an unreadable or invalid body counts as a validation error of the
// model). ok is false when it answered.
func (s *Server) serveRequest(w http.ResponseWriter, r *http.Request, parse func([]byte) (request, error)) (e *modelEntry, req request, ok bool) {
	e, err := s.lookup(r.PathValue("modelId"))
	if err != nil {
		writeError(w, err)
		return nil, request{}, false
	}
	req, err = readRequest(r.Body, parse)
	if err != nil {
		s.count(e, func(m *ModelStats) { m.ValidationErrors++ })
		writeError(w, err)
		return nil, request{}, false
	}
	return e, req, true
}

// serveCall is the skeleton of the routes that call the model (invoke,
// converse): serveRequest, the call, then answer writes the answer of a
// call that succeeded; an error of the call is answered here.
func (s *Server) serveCall(w http.ResponseWriter, r *http.Request, parse func([]byte) (request, error),
	answer func(w http.ResponseWriter, e *modelEntry, req request, res result)) {
	e, req, ok := s.serveRequest(w, r, parse)
	if !ok {
		return
	}
	res, err := s.call(r.Context(), e, req)
	if err != nil {
		writeError(w, err)
		return
	}
	answer(w, e, req, res)
}

// readRequest reads at most maxBody of body and parses it.
func readRequest(body io.Reader, parse func([]byte) (request, error)) (request, error) {
	b, err := io.ReadAll(io.LimitReader(body, maxBody))
	if err != nil {
		return request{}, malformed("unreadable body")
	}
	return parse(b)
}
