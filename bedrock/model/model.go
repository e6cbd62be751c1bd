// Package model knows how Bedrock counts tokens for each model: the
// burndown factor applied to output tokens, and how an inference-profile id
// maps to the foundation model it routes to.
//
// Its functions are pure and safe for concurrent use.
package model

import (
	"fmt"
	"strings"
)

// profilePrefixes are the geography prefixes of cross-region and global
// inference profiles ("eu.anthropic.claude-…").
var profilePrefixes = []string{"global.", "us-gov.", "apac.", "eu.", "us.", "jp.", "au.", "ca."}

// Base returns the foundation-model id behind id: the id itself, or the id
// without its inference-profile prefix. An ARN is reduced to its last path
// element first.
func Base(id string) string {
	id = stripARN(id)
	for _, p := range profilePrefixes {
		if strings.HasPrefix(id, p) {
			return strings.TrimPrefix(id, p)
		}
	}
	return id
}

// Profile reports the inference-profile prefix of id ("eu", "us", "global"),
// or "" for a plain model id.
func Profile(id string) string {
	id = stripARN(id)
	return strings.TrimSuffix(strings.TrimSuffix(id, Base(id)), ".")
}

// stripARN reduces an ARN to its last path element.
func stripARN(id string) string {
	if i := strings.LastIndex(id, "/"); i >= 0 && strings.HasPrefix(id, "arn:") {
		return id[i+1:]
	}
	return id
}

// burndowns lists output-token burndown factors by foundation-model prefix.
// Output tokens of Claude 3.7 Sonnet and every Claude 4.x model count five
// times against the tokens-per-minute quota; older Claude models and the
// other providers count them once.
var burndowns = []struct {
	prefix string
	factor float64
}{
	{"anthropic.claude-3-7-sonnet", 5},
	{"anthropic.claude-sonnet-4", 5},
	{"anthropic.claude-opus-4", 5},
	{"anthropic.claude-haiku-4", 5},
	{"anthropic.claude-3-5-", 1},
	{"anthropic.claude-3-", 1},
	{"anthropic.claude-v2", 1},
	{"anthropic.claude-instant", 1},
	{"amazon.", 1},
	{"meta.", 1},
	{"mistral.", 1},
	{"cohere.", 1},
	{"ai21.", 1},
}

// Burndown returns the output-token burndown factor of the model or
// inference profile id, and false when the model is unknown: callers must
// then ask for an explicit factor rather than guess.
func Burndown(id string) (float64, bool) {
	base := Base(id)
	for _, b := range burndowns {
		if strings.HasPrefix(base, b.prefix) {
			return b.factor, true
		}
	}
	return 0, false
}

// UnknownError reports a model whose burndown factor is not known.
type UnknownError struct {
	Model string // the id as given
	Field string // the configuration field that can set the factor
}

func (e *UnknownError) Error() string {
	return fmt.Sprintf("model: unknown burndown for %q: set %s (5 for Claude 3.7 and 4.x, 1 for older Claude and other models)", e.Model, e.Field)
}

// Resolve returns override when it is positive, else the known factor of id;
// for an unknown id without override it returns an *UnknownError naming field.
func Resolve(id string, override float64, field string) (float64, error) {
	if override > 0 {
		return override, nil
	}
	if f, ok := Burndown(id); ok {
		return f, nil
	}
	return 0, &UnknownError{Model: id, Field: field}
}
