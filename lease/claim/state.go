package claim

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

// States of a claim.
const (
	Claimed = "claimed"
	Done    = "done"
	Free    = "free"
)

// Attribute names of a claim item. A mark of state s stores its instant
// in s + "_at" (done_at, free_at).
const (
	AttrState     = "state"
	AttrHolder    = "holder"
	AttrFence     = "fence"
	AttrScope     = "scope"
	AttrClaimedAt = "claimed_at"
	AttrItems     = "items"
	AttrCount     = "n_items"
	AttrOK        = "ok"
	AttrFallback  = "fallback"
	AttrFailed    = "failed"
)

// Counts are the outcomes a mark records (ok, fallback, failed).
type Counts struct {
	OK, Fallback, Failed int
}

// State is one claim as read from the table. It is a plain value.
type State struct {
	SK        string
	State     string // Claimed, Done, Free, or "" when the item does not exist
	Holder    string
	Fence     int64
	Scope     string // "" unless claimed WithScope
	Items     int    // n_items
	Counts    Counts
	ClaimedAt time.Time // zero when never claimed
	MarkedAt  time.Time // done_at or free_at as State says; zero while claimed
}

// Decode reads a claim item (nil or empty: a claim that does not exist).
// Instants are in ms and read as time.UnixMilli.
func Decode(item map[string]types.AttributeValue) State {
	st := State{
		SK: ddbattr.GetS(item, ddbattr.SK), State: ddbattr.GetS(item, AttrState),
		Holder: ddbattr.GetS(item, AttrHolder), Fence: ddbattr.GetN(item, AttrFence), Scope: ddbattr.GetS(item, AttrScope),
		Items: int(ddbattr.GetN(item, AttrCount)),
		Counts: Counts{OK: int(ddbattr.GetN(item, AttrOK)), Fallback: int(ddbattr.GetN(item, AttrFallback)),
			Failed: int(ddbattr.GetN(item, AttrFailed))},
		ClaimedAt: millis(item, AttrClaimedAt),
	}
	if st.State == Done || st.State == Free {
		st.MarkedAt = millis(item, st.State+"_at")
	}
	return st
}

func millis(item map[string]types.AttributeValue, attr string) time.Time {
	if n := ddbattr.GetN(item, attr); n != 0 {
		return time.UnixMilli(n)
	}
	return time.Time{}
}
