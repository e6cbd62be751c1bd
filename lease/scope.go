package lease

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

// scopeRecord is the item that holds a scope's holders:
// pk "scope#<scope>", sk "lease", holders in the map "holders" by holder id.
type scopeRecord struct {
	exists  bool
	Fence   int64                   `dynamodbav:"fence"`
	Max     int                     `dynamodbav:"max_holders"`
	Holders map[string]holderRecord `dynamodbav:"-"`
}

// sentinel is a key that the holders map always keeps, so that releasing
// the last holder never leaves an empty map: minidyn v0.8.2 garbles empty
// maps (an empty map reads back as a copy of another attribute), and its
// top-level REMOVE is a no-op, so the holders cannot be top-level
// attributes either. Decoding skips it.
const sentinel = "-"

// holderRecord is one entry of scopeRecord.Holders; instants are
// microseconds since the Unix epoch.
type holderRecord struct {
	Fence    int64 `dynamodbav:"fence"`
	Acquired int64 `dynamodbav:"acquired"`
	Renewed  int64 `dynamodbav:"renewed"`
	Expires  int64 `dynamodbav:"expires"`
}

// The key of a scope record: pk "scope#<scope>", sk "lease".
const (
	scopePrefix = "scope#"
	scopeSK     = "lease"
)

func scopeKey(scope string) map[string]types.AttributeValue {
	return ddbattr.Key(scopePrefix+scope, scopeSK)
}

func decodeScope(item map[string]types.AttributeValue) (scopeRecord, error) {
	var r scopeRecord
	if len(item) == 0 {
		return r, nil
	}
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return r, fmt.Errorf("lease: decode scope record: %w", err)
	}
	r.exists = true
	r.Holders = map[string]holderRecord{}
	hs, _ := item["holders"].(*types.AttributeValueMemberM)
	if hs == nil {
		return r, nil
	}
	for id, v := range hs.Value {
		if id == sentinel {
			continue
		}
		var h holderRecord
		if err := attributevalue.Unmarshal(v, &h); err != nil {
			return r, fmt.Errorf("lease: decode holder %s: %w", id, err)
		}
		r.Holders[id] = h
	}
	return r, nil
}

// acquirePlan is what a contender can do with the scope as last seen.
type acquirePlan struct {
	full     bool      // every slot is held by a live holder
	expired  []Holder  // dead holders, oldest expiry first
	live     []Holder  // live holders, soonest expiry first
	earliest time.Time // when the first live holder expires (plus skew)
}

// maxCleanup bounds the dead holders one acquisition removes beyond those
// it must (DynamoDB takes 4 KB per expression; many invocations killed at
// once leave many entries). The rest go with later acquisitions.
const maxCleanup = 16

// planAcquire decides, from a scope record and the time, whether a slot is
// free. A holder is dead once its expiry plus the skew margin has passed.
func planAcquire(r scopeRecord, now time.Time, max int, skew time.Duration) acquirePlan {
	var p acquirePlan
	for id, h := range r.Holders {
		if fromMicros(h.Expires).Add(skew).Before(now) {
			p.expired = append(p.expired, h.holder(id))
			continue
		}
		p.live = append(p.live, h.holder(id))
	}
	sort.Slice(p.expired, func(i, j int) bool { return p.expired[i].Expires.Before(p.expired[j].Expires) })
	sort.Slice(p.live, func(i, j int) bool { return p.live[i].Expires.Before(p.live[j].Expires) })
	p.full = max > 0 && len(p.live) >= max
	if len(p.live) > 0 {
		p.earliest = p.live[0].Expires.Add(skew)
	}
	return p
}

// removals are the dead holders an acquisition removes: every one it needs
// so that the scope keeps at most max entries (a dead holder left in place
// could come back by a renewal that lands late), and up to maxCleanup in
// all.
func (p acquirePlan) removals(max int) []Holder {
	n := min(len(p.expired), maxCleanup)
	if need := len(p.live) + len(p.expired) + 1 - max; max > 0 && need > n {
		n = need
	}
	return p.expired[:n]
}

func (h holderRecord) holder(id string) Holder {
	return Holder{
		ID:       id,
		Fence:    h.Fence,
		Acquired: fromMicros(h.Acquired),
		Renewed:  fromMicros(h.Renewed),
		Expires:  fromMicros(h.Expires),
	}
}

// Scope is one scope's record as the table holds it: the last fencing
// number issued and every holder entry, live or past its expiry, soonest
// expiry first. It is what operators and tools see; a Scope is a plain
// value.
type Scope struct {
	Name    string
	Fence   int64
	Holders []Holder
}

// DecodeScope decodes an item read from the coordination table (by a Scan,
// for example); ok is false when the item is not a scope record.
func DecodeScope(item map[string]types.AttributeValue) (s Scope, ok bool, err error) {
	name, isScope := strings.CutPrefix(ddbattr.GetS(item, ddbattr.PK), scopePrefix)
	if !isScope || ddbattr.GetS(item, ddbattr.SK) != scopeSK {
		return Scope{}, false, nil
	}
	rec, err := decodeScope(item)
	if err != nil {
		return Scope{}, true, err
	}
	return rec.view(name), true, nil
}

// view returns the record as a Scope named name.
func (r scopeRecord) view(name string) Scope {
	s := Scope{Name: name, Fence: r.Fence, Holders: make([]Holder, 0, len(r.Holders))}
	for id, h := range r.Holders {
		s.Holders = append(s.Holders, h.holder(id))
	}
	sort.Slice(s.Holders, func(i, j int) bool { return s.Holders[i].Expires.Before(s.Holders[j].Expires) })
	return s
}

func marshalHolder(h holderRecord) (types.AttributeValue, error) {
	return attributevalue.Marshal(h)
}
