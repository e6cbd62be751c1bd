package emulator

import (
	"unicode"
	"unicode/utf8"
)

// The emulator approximates Claude's tokenizer with a deterministic rule
// that lands within about ten per cent of the real counts on English press
// text and JSON:
//
//   - whitespace is free and belongs to the token that follows it, except a
//     run of line breaks, which is one token;
//   - a word (letters, marks, apostrophes inside it) of up to 6 characters is
//     one token; a longer word gets one more token for every further 4
//     characters or part of them ("normalization": 3);
//   - a run of digits is split every 3 digits;
//   - any other run of symbols and punctuation is split every 2 characters
//     (`{"` is one token, `":"` two).
//
// A request adds a fixed overhead: requestOverhead tokens, plus
// messageOverhead per message and per non-empty system prompt.
const (
	requestOverhead = 4
	messageOverhead = 3

	wordHead  = 6 // characters in the first token of a word
	wordChunk = 4 // characters in each further token of a word
	digitRun  = 3
	punctRun  = 2
)

// countTokens returns the number of tokens in text.
func countTokens(text string) int {
	n, _ := scanTokens(text, -1)
	return n
}

// truncateTokens returns the first n tokens of text and whether text was cut.
func truncateTokens(text string, n int) (string, bool) {
	if n <= 0 {
		return "", text != ""
	}
	got, end := scanTokens(text, n)
	if got < n || end == len(text) && countTokens(text) <= n {
		return text, false
	}
	return text[:end], true
}

// scanTokens counts the tokens of text by the rules above, stopping after
// limit tokens when limit >= 0. It returns the count and the byte offset
// where the last counted token ends.
func scanTokens(text string, limit int) (count, end int) {
	for i := 0; i < len(text); {
		for i < len(text) && isBlank(text[i]) {
			i++
		}
		if i >= len(text) {
			break
		}
		r, w := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, w = utf8.DecodeRuneInString(text[i:])
		}
		class := classOf(r)
		head, chunk := classChunks(class)
		k := 0 // runes in the current token
		for i < len(text) {
			if k > 0 {
				r, w = rune(text[i]), 1
				if r >= utf8.RuneSelf {
					r, w = utf8.DecodeRuneInString(text[i:])
				}
				if classOf(r) != class {
					break
				}
			}
			if k == 0 {
				count++
				if limit >= 0 && count > limit {
					return limit, end
				}
			}
			i += w
			k++
			end = i
			if k == head {
				k, head = 0, chunk
			}
		}
	}
	return count, end
}

// Token classes.
const (
	classBreak = iota // line breaks
	classWord
	classDigit
	classPunct
)

func classOf(r rune) int {
	switch {
	case r == '\n' || r == '\r':
		return classBreak
	case r < utf8.RuneSelf:
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '\'':
			return classWord
		case r >= '0' && r <= '9':
			return classDigit
		case r == ' ' || r == '\t' || r == '\v' || r == '\f':
			return -1
		}
		return classPunct
	case isWordRune(r):
		return classWord
	case unicode.IsDigit(r):
		return classDigit
	}
	return classPunct
}

// classChunks returns the runes of a class's first token and of the next.
func classChunks(class int) (head, chunk int) {
	switch class {
	case classBreak:
		return -1, -1 // a run of line breaks is one token
	case classWord:
		return wordHead, wordChunk
	case classDigit:
		return digitRun, digitRun
	}
	return punctRun, punctRun
}

func isBlank(b byte) bool { return b == ' ' || b == '\t' || b == '\v' || b == '\f' }

// promptTokens counts the input tokens of a request made of a system prompt
// and messages, each given as its text blocks.
func promptTokens(system []string, messages [][]string) int {
	n := requestOverhead + messageOverhead*len(messages)
	if len(system) > 0 {
		n += messageOverhead
	}
	for _, s := range system {
		n += countTokens(s)
	}
	for _, m := range messages {
		for _, s := range m {
			n += countTokens(s)
		}
	}
	return n
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || r == '\'' || r == '’'
}
