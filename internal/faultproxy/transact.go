package faultproxy

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// reason is one entry of a TransactionCanceledException's
// CancellationReasons, as DynamoDB sends it: Code "None" and no Message
// for an item without error.
type reason struct {
	Code    string `json:"Code"`
	Message string `json:"Message,omitempty"`
}

const (
	conflictMessage = "Transaction is ongoing for the item"
	throttleMessage = "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly."
)

// refuse answers c with the faults DynamoDB gives without applying
// anything (a conflict with a running transaction, throttling on a hot
// item); it reports whether it did.
func (p *Proxy) refuse(w http.ResponseWriter, c *call) bool {
	items := c.req.items()
	switch {
	case c.op == "TransactWriteItems" && len(items) > 0 && draw(p.seed, c.n, kindConflict) < c.rates.Conflict:
		p.c.conflicts.Add(1)
		k := int(draw(p.seed, c.n, kindConflictItem) * float64(len(items)))
		writeCanceled(w, len(items), k, reason{Code: "TransactionConflict", Message: conflictMessage})
	case singleWrite(c.op) && draw(p.seed, c.n, kindConflict) < c.rates.ItemConflict:
		p.c.itemConflicts.Add(1)
		writeError(w, http.StatusBadRequest, "TransactionConflictException", conflictMessage)
	case c.rates.Throttle > 0 && draw(p.seed, c.n, kindThrottle) < c.rates.Throttle:
		hot := p.hot.touch(items, p.clock.Now(), hotWindow(c.rates))
		if hot < 0 {
			return false
		}
		p.c.throttled.Add(1)
		if c.op == "TransactWriteItems" {
			writeCanceled(w, len(items), hot, reason{Code: "ThrottlingError", Message: throttleMessage})
		} else {
			writeError(w, http.StatusBadRequest, "ThrottlingException", throttleMessage)
		}
	default:
		if c.rates.Throttle > 0 {
			p.hot.touch(items, p.clock.Now(), hotWindow(c.rates))
		}
		return false
	}
	return true
}

// singleWrite reports whether op writes one item.
func singleWrite(op string) bool {
	return op == "PutItem" || op == "UpdateItem" || op == "DeleteItem"
}

// writeCanceled answers a TransactWriteItems of n items with a
// TransactionCanceledException whose reason for item k is r and None for
// the others, as DynamoDB does.
func writeCanceled(w http.ResponseWriter, n, k int, r reason) {
	reasons := make([]reason, n)
	codes := make([]string, n)
	for i := range reasons {
		reasons[i], codes[i] = reason{Code: "None"}, "None"
		if i == k {
			reasons[i], codes[i] = r, r.Code
		}
	}
	body, _ := json.Marshal(struct {
		Type    string   `json:"__type"`
		Reasons []reason `json:"CancellationReasons"`
		Message string   `json:"Message"`
	}{"com.amazonaws.dynamodb.v20120810#TransactionCanceledException", reasons,
		fmt.Sprintf("Transaction cancelled, please refer cancellation reasons for specific reasons [%s]", strings.Join(codes, ", "))})
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("X-Amzn-ErrorType", "TransactionCanceledException")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write(body)
}
