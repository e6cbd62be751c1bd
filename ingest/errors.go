package ingest

import (
	"errors"
	"fmt"
)

// Errors callers branch on.
var (
	// ErrConfig wraps every problem of the catalog, a client file or a
	// source entry.
	ErrConfig = errors.New("ingest: invalid configuration")
	// ErrNoClient is returned when clients/<client_id>.yaml is missing and
	// the event names no sources.
	ErrNoClient = errors.New("ingest: no client configuration")
	// ErrTooLarge is returned when a response is larger than the size cap.
	ErrTooLarge = errors.New("ingest: response too large")
	// ErrParse is returned when a feed or page cannot be read.
	ErrParse = errors.New("ingest: cannot parse")
)

// StatusError is an HTTP answer other than 2xx or 304.
type StatusError struct {
	URL    string
	Status int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("ingest: GET %s: HTTP %d", e.URL, e.Status)
}
