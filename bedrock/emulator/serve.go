package emulator

import (
	"io"
	"net/http"
)

// serveRequest is the start every /model/{modelId}/… route shares: it looks
// the model up and decodes the body, answering the error itself (an
// undecodable body counts as a validation error of the model). ok is
// false when it answered.
func (s *Server) serveRequest(w http.ResponseWriter, r *http.Request, decode func(io.Reader) (request, error)) (e *modelEntry, req request, ok bool) {
	e, err := s.lookup(r.PathValue("modelId"))
	if err != nil {
		writeError(w, err)
		return nil, request{}, false
	}
	req, err = decode(r.Body)
	if err != nil {
		s.count(e, func(m *ModelStats) { m.ValidationErrors++ })
		writeError(w, err)
		return nil, request{}, false
	}
	return e, req, true
}
