package normalize

import (
	"time"

	"github.com/vectora/ingest-normalize/normalize/item"
)

// Status is the outcome of normalizing one item.
type Status string

// The statuses of a Record.
const (
	// StatusOK: the model's answer was parsed and validated.
	StatusOK Status = "ok"
	// StatusFallback: the item could not be normalized by the model (empty
	// item, unusable answer); the record carries a minimal normalization.
	StatusFallback Status = "fallback"
	// StatusFailed: no answer could be obtained (the call failed after
	// retries, the lease was lost…); the item may be retried by a later run.
	StatusFailed Status = "failed"
)

// Usage counts the model tokens of one item, over all attempts, and what
// they cost. InputTokens are the uncached input; the cache reads and
// writes are apart.
type Usage struct {
	InputTokens           int     `json:"input_tokens"`
	OutputTokens          int     `json:"output_tokens"`
	CacheReadInputTokens  int     `json:"cache_read_input_tokens,omitempty"`
	CacheWriteInputTokens int     `json:"cache_write_input_tokens,omitempty"`
	CostUSD               float64 `json:"cost_usd,omitempty"` // estimated, at the configured price
}

// Run identifies the lease holder that wrote a record and its fencing
// number.
type Run struct {
	HolderID string `json:"holder_id"`
	Fence    int64  `json:"fence"`
}

// Meta is what the pipeline knows about the call that produced a record.
type Meta struct {
	ModelID  string
	Usage    Usage
	Attempts int
	Run      Run
	At       time.Time // when normalization finished
	// AnswerOf is the item whose model answer this record took: its
	// prompt was identical, so no call was made (Usage is zero).
	AnswerOf string
	// PromptSHA256 is the hex SHA-256 of the model id, system and user
	// text the answer was asked with.
	PromptSHA256 string
}

// Record is the JSON written for one item under ItemKey. The normalized
// fields are inlined; a failed record has none. A Record is a plain value.
type Record struct {
	ItemID      string `json:"item_id"`
	SourceKey   string `json:"source_key"`
	SourceType  string `json:"source_type,omitempty"`
	Title       string `json:"title"`
	URL         string `json:"url,omitempty"`
	PublishedAt string `json:"published_at,omitempty"`
	Language    string `json:"language,omitempty"`
	ContentHash string `json:"content_hash"`

	Status Status `json:"normalization_status"`
	Reason string `json:"reason,omitempty"`
	*Normalized

	ModelID      string    `json:"model_id,omitempty"`
	AnswerOf     string    `json:"answer_of,omitempty"` // see Meta.AnswerOf
	PromptSHA256 string    `json:"prompt_sha256,omitempty"`
	Usage        Usage     `json:"usage"`
	Attempts     int       `json:"attempts"`
	Run          Run       `json:"run"`
	NormalizedAt time.Time `json:"normalized_at"`
}

// OK returns the record of an item the model normalized as n.
func OK(it item.Raw, n Normalized, meta Meta) Record {
	n.Entities = n.Entities.nonNil()
	return newRecord(it, StatusOK, "", &n, meta)
}

// Fallback returns the record of an item that could not be normalized by
// the model, with a minimal normalization: the title (or the start of the
// content) as summary, event type EventOther, no entities, confidences 0.
func Fallback(it item.Raw, reason string, meta Meta) Record {
	summary := it.Title
	if summary == "" {
		summary, _ = item.TruncateRunes(it.Content, 300)
	}
	n := Normalized{Summary: summary, EventType: EventOther, Entities: Entities{}.nonNil()}
	return newRecord(it, StatusFallback, reason, &n, meta)
}

// Failed returns the record of an item for which no answer was obtained;
// it carries no normalization.
func Failed(it item.Raw, reason string, meta Meta) Record {
	return newRecord(it, StatusFailed, reason, nil, meta)
}

func newRecord(it item.Raw, s Status, reason string, n *Normalized, meta Meta) Record {
	if s != StatusOK && reason == "" {
		reason = "unspecified"
	}
	return Record{
		ItemID: it.ItemID, SourceKey: it.SourceKey, SourceType: it.SourceType,
		Title: it.Title, URL: it.URL, PublishedAt: it.PublishedAt,
		Language: it.Language, ContentHash: it.ContentHash,
		Status: s, Reason: item.OneLine(reason), Normalized: n,
		ModelID: meta.ModelID, AnswerOf: meta.AnswerOf, PromptSHA256: meta.PromptSHA256, Usage: meta.Usage, Attempts: meta.Attempts,
		Run: meta.Run, NormalizedAt: meta.At.UTC(),
	}
}

func (e Entities) nonNil() Entities {
	for _, l := range []*[]string{&e.Companies, &e.Molecules, &e.Technologies, &e.Trademarks, &e.Indications} {
		if *l == nil {
			*l = []string{}
		}
	}
	return e
}
