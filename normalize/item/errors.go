package item

import (
	"errors"
	"fmt"
)

// Sentinel errors for states callers branch on. The typed errors below
// unwrap to them, so errors.Is works on a joined or wrapped error. Their
// texts keep the "normalize:" prefix of the Lambda's answers.
var (
	// ErrInvalidEvent reports an event that cannot be run.
	ErrInvalidEvent = errors.New("normalize: invalid event")
	// ErrMalformedItems reports an items file that is not JSON at all.
	ErrMalformedItems = errors.New("normalize: malformed items file")
	// ErrEmptyItem reports an item with neither title nor content; the
	// pipeline records it as a fallback.
	ErrEmptyItem = errors.New("normalize: item has an empty title and content")
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
