package faultproxy

import (
	"net/http"
	"sync"
)

// WithOverlapConflicts makes requests that reach the upstream at the same
// time conflict as they do in DynamoDB: a TransactWriteItems touching an
// item that another write being applied touches is cancelled with
// TransactionConflict on that item, and a single-item write to an item of
// a transaction being applied fails with TransactionConflictException.
// Only the time a request spends at the upstream counts: a request held
// in the network locks nothing. Off by default.
func WithOverlapConflicts() Option { return func(p *Proxy) { p.overlap = &overlaps{} } }

// overlaps are the items of the writes being applied upstream. Safe for
// concurrent use.
type overlaps struct {
	mu           sync.Mutex
	transactions map[string]int // items of transactions being applied
	writes       map[string]int // items of single-item writes being applied
}

// begin registers c's items unless they conflict; it returns the index of
// the conflicting item, or -1 and a func that ends the registration.
func (o *overlaps) begin(c *call) (int, func()) {
	items := c.req.items()
	transact := c.op == "TransactWriteItems"
	if !transact && !singleWrite(c.op) {
		return -1, func() {}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.transactions == nil {
		o.transactions, o.writes = map[string]int{}, map[string]int{}
	}
	for i, it := range items {
		if o.transactions[it] > 0 || (transact && o.writes[it] > 0) {
			return i, nil
		}
	}
	mine := o.writes
	if transact {
		mine = o.transactions
	}
	for _, it := range items {
		mine[it]++
	}
	return -1, func() {
		o.mu.Lock()
		defer o.mu.Unlock()
		for _, it := range items {
			if mine[it]--; mine[it] == 0 {
				delete(mine, it)
			}
		}
	}
}

// overlapped answers c when it conflicts with a write being applied; it
// returns whether it did, and otherwise the func to call once c was
// applied.
func (p *Proxy) overlapped(w http.ResponseWriter, c *call) (bool, func()) {
	if p.overlap == nil {
		return false, func() {}
	}
	k, end := p.overlap.begin(c)
	if k < 0 {
		return false, end
	}
	p.c.overlaps.Add(1)
	if c.op == "TransactWriteItems" {
		p.c.conflicts.Add(1)
		writeCanceled(w, len(c.req.items()), k, reason{Code: "TransactionConflict", Message: conflictMessage})
	} else {
		p.c.itemConflicts.Add(1)
		writeError(w, http.StatusBadRequest, "TransactionConflictException", conflictMessage)
	}
	return true, nil
}
