package normalize

import (
	"errors"
	"fmt"
)

// Sentinel errors for states callers branch on. The typed errors below
// unwrap to them, so errors.Is works on a joined or wrapped error.
var (
	// ErrInvalidEvent reports an event that cannot be run.
	ErrInvalidEvent = errors.New("normalize: invalid event")
	// ErrMalformedItems reports an items file that is not JSON at all.
	ErrMalformedItems = errors.New("normalize: malformed items file")
	// ErrEmptyItem reports an item with neither title nor content; the
	// pipeline records it as a fallback.
	ErrEmptyItem = errors.New("normalize: item has an empty title and content")
	// ErrInvalidCanonical reports a canonical list that cannot be used.
	ErrInvalidCanonical = errors.New("normalize: invalid canonical list")
	// ErrInvalidKey reports an S3 key component that is not safe.
	ErrInvalidKey = errors.New("normalize: invalid key component")
)

// FieldError describes one invalid field of an Event (or an unsafe key
// component). It unwraps to ErrInvalidEvent.
type FieldError struct {
	Field  string // JSON name of the field, "event" for the whole document
	Reason string // what is wrong
	Fix    string // what to do instead
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("normalize: field %q: %s (fix: %s)", e.Field, e.Reason, e.Fix)
}

// Unwrap returns ErrInvalidEvent.
func (e *FieldError) Unwrap() error { return ErrInvalidEvent }

// ItemError describes one item (a JSON Lines line or an array element) that
// could not be used. Items are never dropped silently: each rejected one
// yields an ItemError.
type ItemError struct {
	Position int    // 1-based line (JSON Lines) or element number (array)
	ItemID   string // the item's id when it is known
	Field    string // the offending field, "" when the whole item is bad
	Reason   string
	Fix      string
}

func (e ItemError) Error() string {
	s := fmt.Sprintf("normalize: item %d", e.Position)
	if e.ItemID != "" {
		s += fmt.Sprintf(" (%s)", e.ItemID)
	}
	if e.Field != "" {
		s += fmt.Sprintf(" field %q", e.Field)
	}
	s += ": " + e.Reason
	if e.Fix != "" {
		s += " (fix: " + e.Fix + ")"
	}
	return s
}

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
