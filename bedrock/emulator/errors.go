package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// SettingsError reports an invalid setting given to New, Reconfigure or
// POST /reset.
type SettingsError struct {
	Field  string // JSON name of the setting
	Reason string
}

func (e *SettingsError) Error() string {
	return fmt.Sprintf("emulator: invalid setting %s: %s", e.Field, e.Reason)
}

// Error names sent in x-amzn-ErrorType, as Bedrock names them.
const (
	errThrottling   = "ThrottlingException"
	errValidation   = "ValidationException"
	errNotFound     = "ResourceNotFoundException"
	errUnavailable  = "ServiceUnavailableException"
	errInternal     = "InternalServerException"
	errorTypeSuffix = ":http://internal.amazon.com/coral/com.amazon.bedrock/"
)

// Messages of the quota errors, word for word.
const (
	msgTooManyTokens   = "Too many tokens, please wait before trying again."
	msgTooManyRequests = "Too many requests, please wait before trying again."
	msgTooManyPerDay   = "Too many tokens per day, please wait before trying again."
)

// apiError is an error answer of the Bedrock Runtime REST protocol.
type apiError struct {
	status  int
	name    string
	message string
}

func (e *apiError) Error() string { return e.name + ": " + e.message }

// write sends e the way Bedrock does: the name in x-amzn-ErrorType and
// {"message": …} as the body.
func (e *apiError) write(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("x-amzn-ErrorType", e.name+errorTypeSuffix)
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(struct {
		Message string `json:"message"`
	}{e.message})
}

// validation returns a 400 ValidationException worded like Bedrock's
// answers to a malformed Anthropic request.
func validation(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, errValidation, fmt.Sprintf(format, args...)}
}

func malformed(detail string) *apiError {
	return validation("Malformed input request: %s, please reformat your input and try again.", detail)
}

func notFound(id string) *apiError {
	return &apiError{http.StatusNotFound, errNotFound, fmt.Sprintf("The requested model %s was not found.", id)}
}

func throttled(kind quotaKind) *apiError {
	msg := msgTooManyTokens
	switch kind {
	case quotaRequests:
		msg = msgTooManyRequests
	case quotaDay:
		msg = msgTooManyPerDay
	}
	return &apiError{http.StatusTooManyRequests, errThrottling, msg}
}

func serverFault(kind fault) *apiError {
	if kind == faultUnavailable {
		return &apiError{http.StatusServiceUnavailable, errUnavailable, "Bedrock is unable to process your request."}
	}
	return &apiError{http.StatusInternalServerError, errInternal, "The server encountered an internal error while processing the request."}
}
