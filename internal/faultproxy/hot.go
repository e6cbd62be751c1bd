package faultproxy

import (
	"sync"
	"time"
)

// maxHot bounds the items the proxy remembers as recently touched.
const maxHot = 4096

// hotItems remembers when each item was last touched, to tell a hot item
// (touched again within a window) from a cold one. Safe for concurrent use.
type hotItems struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// touch records that items were touched at now and returns the index of
// the first one touched less than window before, or -1.
func (h *hotItems) touch(items []string, now time.Time, window time.Duration) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.last == nil {
		h.last = map[string]time.Time{}
	}
	hot := -1
	for i, it := range items {
		if t, ok := h.last[it]; ok && now.Sub(t) < window && hot < 0 {
			hot = i
		}
		h.last[it] = now
	}
	if len(h.last) > maxHot {
		for it, t := range h.last {
			if now.Sub(t) >= window {
				delete(h.last, it)
			}
		}
		if len(h.last) > maxHot {
			clear(h.last) // all hot: forget them rather than grow
		}
	}
	return hot
}
