package linearize

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The lease's requests are read by the expression names and values the
// lease package gives them (lease/manager.go claimInput, heartbeat.go
// renew, release.go remove, head.go head). A scope write read as none of
// them is counted in Stats.Unread, so that a change there cannot silently
// empty the history.

const scopePrefix = "scope#"

// readUpdate reads an UpdateItem of the lease on a scope record; scope
// reports whether it is on one, ok whether it was read.
func readUpdate(in *dynamodb.UpdateItemInput) (op Input, scope, ok bool) {
	pk, isScope := scopeOf(in.Key)
	if !isScope {
		return op, false, false
	}
	op.Scope = pk
	v, n := in.ExpressionAttributeValues, in.ExpressionAttributeNames
	switch {
	case v[":rec"] != nil:
		op.Kind, op.Fence = Acquire, num(v[":f"])
		op.Holder, op.Expires = newEntry(n["#id"], v[":rec"])
		op.Removes = removals(n, v, "#x", ":x")
	case v[":next"] != nil:
		op.Kind, op.Holder, op.Fence, op.Expires = Renew, n["#id"], num(v[":f"]), num(v[":next"])
	case aws.ToString(in.UpdateExpression) == "REMOVE #hs.#id":
		op.Kind, op.Holder, op.Fence = Release, n["#id"], num(v[":f"])
	default:
		return op, true, false
	}
	return op, true, op.Holder != ""
}

// readTransact reads the head item of a lease's Transact.
func readTransact(in *dynamodb.TransactWriteItemsInput) (op Input, scope, ok bool) {
	if len(in.TransactItems) == 0 {
		return op, false, false
	}
	var key map[string]types.AttributeValue
	var n map[string]string
	var v map[string]types.AttributeValue
	switch h := in.TransactItems[0]; {
	case h.Update != nil:
		key, n, v = h.Update.Key, h.Update.ExpressionAttributeNames, h.Update.ExpressionAttributeValues
	case h.ConditionCheck != nil:
		key, n, v = h.ConditionCheck.Key, h.ConditionCheck.ExpressionAttributeNames, h.ConditionCheck.ExpressionAttributeValues
	}
	pk, isScope := scopeOf(key)
	if !isScope {
		return op, false, false
	}
	if n["#gmap"] != "holders" || n["#gid"] == "" {
		return op, true, false
	}
	op = Input{Kind: Write, Scope: pk, Holder: n["#gid"], Fence: num(v[":gfence"]), Removes: removals(n, v, "#gx", ":gxe")}
	if v[":gnext"] != nil {
		op.Expires = num(v[":gnext"])
	}
	return op, true, true
}

// scopeOf returns the partition key of a scope record's key.
func scopeOf(key map[string]types.AttributeValue) (string, bool) {
	pk, _ := key["pk"].(*types.AttributeValueMemberS)
	sk, _ := key["sk"].(*types.AttributeValueMemberS)
	if pk == nil || sk == nil || sk.Value != "lease" || !strings.HasPrefix(pk.Value, scopePrefix) {
		return "", false
	}
	return pk.Value, true
}

// newEntry reads the holder and expiry of an acquisition's new entry: the
// entry itself, or (the scope's first acquisition) the whole holders map.
func newEntry(id string, rec types.AttributeValue) (string, int64) {
	m, _ := rec.(*types.AttributeValueMemberM)
	if m == nil {
		return "", 0
	}
	if id == "" {
		for k, e := range m.Value {
			if k != "-" {
				id, m = k, nil
				if em, ok := e.(*types.AttributeValueMemberM); ok {
					m = em
				}
				break
			}
		}
	}
	if m == nil {
		return "", 0
	}
	return id, num(m.Value["expires"])
}

// removals reads the entries a request removes: names prefix%03d, their
// read expiries values valuePrefix%03d.
func removals(n map[string]string, v map[string]types.AttributeValue, prefix, valuePrefix string) []Removal {
	var rs []Removal
	for i := 0; ; i++ {
		id, ok := n[fmt.Sprintf("%s%03d", prefix, i)]
		if !ok {
			return rs
		}
		rs = append(rs, Removal{ID: id, Expires: num(v[fmt.Sprintf("%s%03d", valuePrefix, i)])})
	}
}

func num(v types.AttributeValue) int64 {
	n, _ := v.(*types.AttributeValueMemberN)
	if n == nil {
		return 0
	}
	x, _ := strconv.ParseInt(n.Value, 10, 64)
	return x
}
