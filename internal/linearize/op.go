package linearize

import (
	"fmt"
	"math"
	"strings"
)

// Kind is what a recorded operation does to a scope.
type Kind int

const (
	Acquire Kind = iota + 1 // add an entry with a new fence, removing expired ones
	Renew                   // move this acquisition's expiry forward
	Release                 // remove this acquisition's entry
	Write                   // a guarded write: holds only while the entry is current; may renew and remove
)

func (k Kind) String() string {
	return [...]string{"?", "acquire", "renew", "release", "write"}[k]
}

// Removal is an entry an acquisition or a write takes over, with the
// expiry its sender read.
type Removal struct {
	ID      string
	Expires int64
}

// Input is one operation as its sender made it. Instants are microseconds
// on the history's clock; Return is math.MaxInt64 when the outcome is
// unknown and no bound was given.
type Input struct {
	Kind    Kind
	Scope   string
	Holder  string
	Fence   int64
	Expires int64 // Acquire: the new entry's; Renew, Write: the new expiry (0: a write that does not renew)
	Removes []Removal
	Call    int64
	Return  int64
}

// Output is what the sender was told.
type Output int

const (
	OK      Output = iota + 1
	Refused        // a condition failed: nothing applied
	Unknown        // may have been applied, at any point after the call
)

func (o Output) String() string { return [...]string{"?", "ok", "refused", "unknown"}[o] }

// describe is an operation as the visualisation shows it.
func describe(in Input, out Output) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s f%d", in.Kind, in.Holder, in.Fence)
	if in.Expires != 0 {
		fmt.Fprintf(&b, " exp %d", in.Expires)
	}
	for _, r := range in.Removes {
		fmt.Fprintf(&b, " -%s", r.ID)
	}
	if in.Return == math.MaxInt64 {
		b.WriteString(" (return unknown)")
	}
	return b.String() + " → " + out.String()
}
