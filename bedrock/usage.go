package bedrock

import (
	"strconv"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Usage is what a call counted against the tokens-per-minute quota, a
// plain value.
type Usage struct {
	InputTokens  int64 // reported by Bedrock; 0 when it reported none. Uncached input only.
	OutputTokens int64 // reported by Bedrock; 0 when it reported none
	// CacheReadInputTokens are input tokens Bedrock served from its prompt
	// cache: reserved, then released from the quota at settlement.
	CacheReadInputTokens int64
	// CacheWriteInputTokens are input tokens Bedrock wrote to its prompt
	// cache: they count like uncached input.
	CacheWriteInputTokens int64
	// SettledTokens is what the reservation was settled to: input + cache
	// writes + output × burndown (Charged), or ReservedTokens when Bedrock
	// reported no usage or may have charged a call that failed.
	SettledTokens int64
	// ReservedTokens is what the last attempt reserved: estimated (or
	// counted) whole input + max_tokens × the reserve factor (1 unless
	// WithReserveFactor).
	ReservedTokens int64
}

// The InvokeModel response headers that carry usage.
const (
	headerInputTokens  = "X-Amzn-Bedrock-Input-Token-Count"
	headerOutputTokens = "X-Amzn-Bedrock-Output-Token-Count"
)

// headerUsage reads the token counts from the raw HTTP response the SDK
// keeps in md; ok is false when either is missing.
func headerUsage(md middleware.Metadata) (input, output int64, ok bool) {
	raw, _ := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response)
	if raw == nil {
		return 0, 0, false
	}
	input, err1 := strconv.ParseInt(raw.Header.Get(headerInputTokens), 10, 64)
	output, err2 := strconv.ParseInt(raw.Header.Get(headerOutputTokens), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return input, output, true
}
