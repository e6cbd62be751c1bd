package budget

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

// A write that credits the row (hands quota back) sets a marker attribute
// rf:<random>, holding when it was written, on condition that it does not
// exist: such a write applies at most once however often it is sent. The
// process removes its markers with its next write; markers left by a
// process that died are removed by whoever sees them once they are older
// than markTTL.
const (
	markPrefix = "rf:"
	markTTL    = 10 * time.Minute
	// markDrops is the most markers one write removes.
	markDrops = 4
)

// newMark returns a fresh random marker name.
func newMark() string { return ddbattr.Token(8) }

func markAttr(mark string) string { return markPrefix + mark }

// marked adds mark to an admission write (when mark is not empty) and the
// removal of markers no longer needed: those of this process's earlier
// writes, and stale ones. It returns the markers the write removes.
func (b *Budget) marked(in *dynamodb.UpdateItemInput, mark string, now time.Time) []string {
	b.mu.Lock()
	drop := append([]string(nil), b.marks...)
	for attr, at := range b.rec.marks {
		if len(drop) >= markDrops {
			break
		}
		if at < now.Add(-markTTL).UnixMicro() {
			drop = append(drop, attr)
		}
	}
	b.mu.Unlock()
	drop = drop[:min(len(drop), markDrops)]
	if mark != "" {
		in.ExpressionAttributeNames["#rf"] = markAttr(mark)
		in.ExpressionAttributeValues[":rfat"] = ddbattr.N(now.UnixMicro())
		addSet(in, "#rf = :rfat")
		addCond(in, "attribute_not_exists(#rf)")
	}
	var removes []string
	for i, attr := range drop {
		k := fmt.Sprintf("#x%d", i)
		in.ExpressionAttributeNames[k] = attr
		removes = append(removes, k)
	}
	if len(removes) > 0 {
		in.UpdateExpression = aws.String(*in.UpdateExpression + " REMOVE " + strings.Join(removes, ", "))
	}
	return drop
}

// unmark records, after a write, which markers are still to be removed:
// none of those the applied write removed, plus its own.
func (b *Budget) unmark(dropped []string, applied bool, mark string) {
	if !applied {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	gone := map[string]bool{}
	for _, d := range dropped {
		gone[d] = true
	}
	kept := b.marks[:0]
	for _, m := range b.marks {
		if !gone[m] {
			kept = append(kept, m)
		}
	}
	b.marks = kept
	if mark != "" {
		b.marks = append(b.marks, markAttr(mark))
	}
}
