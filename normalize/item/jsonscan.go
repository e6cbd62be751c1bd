package item

import "bytes"

// NestingDepth returns the deepest nesting of objects and arrays in data,
// ignoring brackets inside JSON strings. It stops counting once limit is
// exceeded. It does not check that data is valid JSON.
func NestingDepth(data []byte, limit int) int {
	depth, deepest := 0, 0
	scanJSON(data, 0, func(_ int, c byte) bool {
		switch c {
		case '{', '[':
			depth++
			deepest = max(deepest, depth)
			return deepest <= limit
		case '}', ']':
			depth--
		}
		return true
	})
	return deepest
}

// ObjectEnd returns the end (exclusive) of the JSON object that starts at
// s[start] == '{', matching braces outside strings, or -1 when the object
// never closes. It does not check that the object is valid JSON.
func ObjectEnd(s string, start int) int {
	depth, end := 0, -1
	scanJSON(s, start, func(i int, c byte) bool {
		switch c {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				end = i + 1
				return false
			}
		}
		return true
	})
	return end
}

// scanJSON calls visit with each byte of data from start on that lies
// outside JSON strings (the quotes excluded), until visit returns false.
func scanJSON[T ~string | ~[]byte](data T, start int, visit func(i int, c byte) bool) {
	inString, escaped := false, false
	for i := start; i < len(data); i++ {
		c := data[i]
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case !visit(i, c):
			return
		}
	}
}

// trimBOM removes a UTF-8 byte order mark and surrounding white space.
func trimBOM(data []byte) []byte {
	return bytes.TrimSpace(bytes.TrimPrefix(bytes.TrimSpace(data), []byte("\xef\xbb\xbf")))
}
