package pipeline

import (
	"crypto/sha256"
	"sync"

	"github.com/vectora/ingest-normalize/bedrock"
)

// dedup shares one Bedrock call among the items of an invocation whose
// prompts are identical (model, system and user text): cross-posted
// stories published under two ids. The first item calls; the others wait
// for its answer and record whose answer they took. A failed call is not
// shared: each waiter then calls for itself. dedup is safe for concurrent
// use; the zero value is ready.
type dedup struct {
	mu    sync.Mutex
	calls map[[sha256.Size]byte]*sharedCall
	twins twins // twins.go: the same prompts across invocations
}

// sharedCall is the one call of a prompt; res and err are set before done
// is closed.
type sharedCall struct {
	itemID string // the item that made the call
	done   chan struct{}
	res    *bedrock.Result
	err    error
}

// promptKey hashes what makes two calls the same request.
func promptKey(modelID string, p bedrock.Prompt) [sha256.Size]byte {
	h := sha256.New()
	for _, s := range []string{modelID, p.System, p.User} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// join returns the call of key and whether itemID must make it (it is the
// first to ask).
func (d *dedup) join(key [sha256.Size]byte, itemID string) (*sharedCall, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c, ok := d.calls[key]; ok {
		return c, false
	}
	if d.calls == nil {
		d.calls = map[[sha256.Size]byte]*sharedCall{}
	}
	c := &sharedCall{itemID: itemID, done: make(chan struct{})}
	d.calls[key] = c
	return c, true
}

// finish publishes the call's outcome; a failure is forgotten, so that a
// later item with the same prompt calls again.
func (d *dedup) finish(key [sha256.Size]byte, c *sharedCall, res *bedrock.Result, err error) {
	c.res, c.err = res, err
	if err != nil {
		d.mu.Lock()
		delete(d.calls, key)
		d.mu.Unlock()
	}
	close(c.done)
}

// call returns the answer to p for itemID: Bedrock's, or the one an
// earlier item of this invocation with the same prompt got (answerOf names
// that item). Every item calls Bedrock when force is set.
func (r *run) call(key [sha256.Size]byte, itemID string, p bedrock.Prompt, force bool) (res *bedrock.Result, answerOf string, err error) {
	if force {
		res, err = r.p.model.Call(r.callCtx, p)
		return res, "", err
	}
	for {
		c, first := r.shared.join(key, itemID)
		if first {
			res, err = r.p.model.Call(r.callCtx, p)
			r.shared.finish(key, c, res, err)
			return res, "", err
		}
		select {
		case <-c.done:
		case <-r.callCtx.Done():
			return nil, "", r.callCtx.Err()
		}
		if c.err == nil {
			return c.res, c.itemID, nil
		}
	}
}
