package linearize

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// Spec is the scope the model checks against.
type Spec struct {
	MaxHolders int           // at most this many live entries (0: unlimited)
	Slack      time.Duration // a peer may remove an entry once its expiry plus Slack has passed
}

// entry is one holder entry of the model's scope.
type entry struct {
	id      string
	fence   int64
	expires int64
}

// state is the model's scope: the last fence issued and the entries by
// id. States are values; steps return new ones.
type state struct {
	fence   int64
	entries []entry // sorted by id
}

func (s state) find(id string) (int, bool) {
	return slices.BinarySearchFunc(s.entries, id, func(e entry, id string) int { return strings.Compare(e.id, id) })
}

func (s state) clone() state {
	return state{fence: s.fence, entries: slices.Clone(s.entries)}
}

func (s state) without(id string) state {
	if i, ok := s.find(id); ok {
		s.entries = slices.Delete(s.clone().entries, i, i+1)
	}
	return s
}

func (s state) with(e entry) state {
	c := s.clone()
	i, ok := c.find(e.id)
	if ok {
		c.entries[i] = e
	} else {
		c.entries = slices.Insert(c.entries, i, e)
	}
	return c
}

// live counts the entries other than id sure to be live at t.
func (s state) live(t int64, id string) int {
	n := 0
	for _, e := range s.entries {
		if e.id != id && e.expires >= t {
			n++
		}
	}
	return n
}

// Model returns the porcupine model of spec, partitioned by scope.
func Model(spec Spec) porcupine.Model {
	nm := porcupine.NondeterministicModel{
		Partition: partition,
		Init:      func() []any { return []any{state{}} },
		Step: func(st, in, out any) []any {
			return spec.step(st.(state), in.(Input), out.(Output))
		},
		Equal: func(a, b any) bool {
			x, y := a.(state), b.(state)
			return x.fence == y.fence && slices.Equal(x.entries, y.entries)
		},
		DescribeOperation: func(in, out any) string { return describe(in.(Input), out.(Output)) },
		DescribeState: func(st any) string {
			s := st.(state)
			var b strings.Builder
			fmt.Fprintf(&b, "fence %d:", s.fence)
			for _, e := range s.entries {
				fmt.Fprintf(&b, " %s(f%d, exp %d)", e.id, e.fence, e.expires)
			}
			return b.String()
		},
	}
	return nm.ToModel()
}

// step returns the states the scope can be in after in answered out.
func (spec Spec) step(s state, in Input, out Output) []any {
	next, ok := spec.apply(s, in)
	switch out {
	case OK:
		if ok {
			return []any{next}
		}
		return nil
	case Refused:
		if spec.mustApply(s, in) {
			return nil
		}
		return []any{s}
	}
	if ok { // unknown: applied, or not
		return []any{s, next}
	}
	return []any{s}
}

// apply is in taking effect on s, and whether it may.
func (spec Spec) apply(s state, in Input) (state, bool) {
	i, held := s.find(in.Holder)
	switch in.Kind {
	case Acquire:
		return spec.acquire(s, in, held)
	case Renew:
		if !held || s.entries[i].fence != in.Fence || s.entries[i].expires > in.Expires {
			return s, false
		}
		return s.with(entry{id: in.Holder, fence: in.Fence, expires: in.Expires}), true
	case Release:
		return s.without(in.Holder), held && s.entries[i].fence == in.Fence
	case Write:
		if !held {
			return s, false
		}
		return spec.write(s, in, s.entries[i])
	}
	return s, false
}

// acquire adds in's entry with a new fence, after its removals, while the
// live entries stay within the limit.
func (spec Spec) acquire(s state, in Input, held bool) (state, bool) {
	if held || in.Fence <= s.fence {
		return s, false
	}
	s, ok := spec.remove(s, in)
	if !ok || (spec.MaxHolders > 0 && s.live(in.Return, in.Holder)+1 > spec.MaxHolders) {
		return s, false
	}
	s = s.with(entry{id: in.Holder, fence: in.Fence, expires: in.Expires})
	s.fence = in.Fence
	return s, true
}

// write applies a guarded write of e's holder: only while e is current
// (not expired at the call), renewing it if asked (never backwards).
func (spec Spec) write(s state, in Input, e entry) (state, bool) {
	if e.fence != in.Fence || e.expires < in.Call || (in.Expires != 0 && e.expires > in.Expires) {
		return s, false
	}
	if in.Expires != 0 {
		s = s.with(entry{id: e.id, fence: e.fence, expires: in.Expires})
	}
	return spec.remove(s, in)
}

// remove takes over in's removals: each entry still there must have
// expired (plus the slack) by the time in returned.
func (spec Spec) remove(s state, in Input) (state, bool) {
	for _, r := range in.Removes {
		i, ok := s.find(r.ID)
		if !ok {
			continue
		}
		if s.entries[i].expires+spec.Slack.Microseconds() >= in.Return {
			return s, false
		}
		s = s.without(r.ID)
	}
	return s, true
}

// mustApply reports whether DynamoDB could not have refused in on s: the
// refusal of a renewal, release or write then breaks the model. An
// acquisition may always lose its race.
func (spec Spec) mustApply(s state, in Input) bool {
	i, held := s.find(in.Holder)
	if !held || s.entries[i].fence != in.Fence {
		return false
	}
	e := s.entries[i]
	switch in.Kind {
	case Renew:
		return e.expires <= in.Expires
	case Release:
		return true
	case Write:
		if e.expires < in.Return || (in.Expires != 0 && e.expires > in.Expires) {
			return false
		}
		for _, r := range in.Removes {
			if j, ok := s.find(r.ID); !ok || s.entries[j].expires != r.Expires {
				return false
			}
		}
		return true
	}
	return false
}

// partition splits a history by scope.
func partition(h []porcupine.Operation) [][]porcupine.Operation {
	var order []string
	by := map[string][]porcupine.Operation{}
	for _, op := range h {
		sc := op.Input.(Input).Scope
		if _, ok := by[sc]; !ok {
			order = append(order, sc)
		}
		by[sc] = append(by[sc], op)
	}
	out := make([][]porcupine.Operation, 0, len(order))
	for _, sc := range order {
		out = append(out, by[sc])
	}
	return out
}
