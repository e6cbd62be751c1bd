package bedrock

import (
	"strconv"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/vectora/ingest-normalize/bedrock/model"
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
	// CostUSD is what the call's tokens cost at the Client's WithPrice
	// (0 without one).
	CostUSD float64
}

// TotalInputTokens returns all the input of the call: uncached, read from
// and written to the cache.
func (u Usage) TotalInputTokens() int64 {
	return u.InputTokens + u.CacheReadInputTokens + u.CacheWriteInputTokens
}

// usage is the token counts of one answer as Bedrock reported them.
type usage struct {
	input, output         int64
	cacheRead, cacheWrite int64
}

// cost returns the dollars of u at p.
func (u usage) cost(p model.Price) float64 {
	return p.Cost(u.input, u.cacheWrite, u.cacheRead, u.output)
}

// The InvokeModel response headers that carry usage.
const (
	headerInputTokens      = "X-Amzn-Bedrock-Input-Token-Count"
	headerOutputTokens     = "X-Amzn-Bedrock-Output-Token-Count"
	headerCacheReadTokens  = "X-Amzn-Bedrock-Cache-Read-Input-Token-Count"
	headerCacheWriteTokens = "X-Amzn-Bedrock-Cache-Write-Input-Token-Count"
)

// headerUsage reads the token counts from the raw HTTP response the SDK
// keeps in md; ok is false when input or output is missing. Absent cache
// headers count 0.
func headerUsage(md middleware.Metadata) (u usage, ok bool) {
	raw, _ := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response)
	if raw == nil {
		return u, false
	}
	input, err1 := strconv.ParseInt(raw.Header.Get(headerInputTokens), 10, 64)
	output, err2 := strconv.ParseInt(raw.Header.Get(headerOutputTokens), 10, 64)
	if err1 != nil || err2 != nil {
		return u, false
	}
	u.input, u.output = input, output
	u.cacheRead, _ = strconv.ParseInt(raw.Header.Get(headerCacheReadTokens), 10, 64)
	u.cacheWrite, _ = strconv.ParseInt(raw.Header.Get(headerCacheWriteTokens), 10, 64)
	return u, true
}
