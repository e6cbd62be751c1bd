package item

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Split cuts a day file into its elements without decoding them: the
// elements of a JSON array, or one element per line of JSON Lines
// (detected from the first byte after an optional BOM), nil for a blank or
// broken line so that positions are line numbers; each broken line also
// yields an ItemError in bad. The error, wrapping ErrMalformedItems, is for
// a file that is not JSON at all, as ParseItems says. An empty file has no
// elements. Ingestion merges its items into a day file through Split;
// ParseItems decodes and cleans what Split returns.
func Split(data []byte) (raws []json.RawMessage, bad []ItemError, err error) {
	data = trimBOM(data)
	switch {
	case len(data) == 0:
		return nil, nil, nil
	case len(data) > MaxItemsFileBytes:
		return nil, nil, fmt.Errorf("%w: %d bytes, more than %d", ErrMalformedItems, len(data), MaxItemsFileBytes)
	case data[0] == '[':
		raws, err = splitArray(data)
		return raws, nil, err
	case data[0] == '{':
		return splitLines(data)
	}
	return nil, nil, fmt.Errorf("%w: starts with %q, want a JSON array or JSON Lines", ErrMalformedItems, firstRune(string(data)))
}

func splitArray(data []byte) ([]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedItems, err)
	}
	var raws []json.RawMessage
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("%w: element %d: %v", ErrMalformedItems, len(raws)+1, err)
		}
		raws = append(raws, raw)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%w: after element %d: %v", ErrMalformedItems, len(raws), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the closing ']'", ErrMalformedItems)
	}
	return raws, nil
}

// splitLines returns one raw message per line (nil for blank or broken
// lines, whose ItemError goes to bad) so that positions are line numbers.
func splitLines(data []byte) ([]json.RawMessage, []ItemError, error) {
	lines := bytes.Split(data, []byte("\n"))
	raws := make([]json.RawMessage, len(lines))
	var bad []ItemError
	valid := false
	for i, line := range lines {
		line = bytes.TrimSpace(line)
		switch {
		case len(line) == 0:
		case len(line) > MaxItemBytes:
			bad = append(bad, ItemError{Position: i + 1, Reason: fmt.Sprintf("line is %d bytes, more than %d", len(line), MaxItemBytes), Fix: "shorten the content"})
		case !json.Valid(line):
			bad = append(bad, ItemError{Position: i + 1, Reason: "line is not one JSON value", Fix: "write one JSON object per line"})
		default:
			raws[i], valid = line, true
		}
	}
	if !valid && len(bad) > 0 {
		return nil, bad, fmt.Errorf("%w: none of %d lines is JSON", ErrMalformedItems, len(bad))
	}
	return raws, bad, nil
}
