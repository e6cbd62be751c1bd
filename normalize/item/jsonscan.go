package normalize

import "bytes"

// maxDepth returns the deepest nesting of objects and arrays in data,
// ignoring brackets inside JSON strings. It stops counting once limit is
// exceeded.
func maxDepth(data []byte, limit int) int {
	depth, deepest, inString, escaped := 0, 0, false, false
	for _, c := range data {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > deepest {
				deepest = depth
			}
			if deepest > limit {
				return deepest
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// balancedObject returns the end (exclusive) of the JSON object that starts
// at s[start] == '{', matching braces outside strings, or -1 when the object
// never closes.
func balancedObject(s string, start int) int {
	depth, inString, escaped := 0, false, false
	for i := start; i < len(s); i++ {
		c := s[i]
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}

// trimBOM removes a UTF-8 byte order mark and surrounding white space.
func trimBOM(data []byte) []byte {
	return bytes.TrimSpace(bytes.TrimPrefix(bytes.TrimSpace(data), []byte("\xef\xbb\xbf")))
}
