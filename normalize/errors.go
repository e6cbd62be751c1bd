package normalize

import (
	"errors"
	"fmt"
)

// ErrInvalidCanonical reports a canonical list that cannot be used. A
// *CanonicalError unwraps to it.
var ErrInvalidCanonical = errors.New("normalize: invalid canonical list")

// AnswerError reports a model answer that cannot be used; the pipeline then
// writes a fallback record with Reason.
type AnswerError struct {
	Reason string
}

func (e *AnswerError) Error() string { return "normalize: unusable answer: " + e.Reason }

// CanonicalError names the canonical file (and line, when known) that failed
// validation. It unwraps to ErrInvalidCanonical.
type CanonicalError struct {
	File   string
	Line   int // 0 when the problem concerns the whole file
	Reason string
}

func (e *CanonicalError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("normalize: canonical file %s line %d: %s", e.File, e.Line, e.Reason)
	}
	return fmt.Sprintf("normalize: canonical file %s: %s", e.File, e.Reason)
}

// Unwrap returns ErrInvalidCanonical.
func (e *CanonicalError) Unwrap() error { return ErrInvalidCanonical }
