package lease

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

// The head item's expression names. minidyn substitutes placeholders
// textually, so none is a prefix of another, and removals are numbered
// with three digits.
const (
	headGuard  = "#gmap.#gid.#gfen = :gfence AND #gmap.#gid.#gexp > :gnow"
	headRenew  = " AND #gmap.#gid.#gexp <= :gnext"
	headSet    = "SET #gmap.#gid.#gexp = :gnext, #gmap.#gid.#gren = :gnow"
	headRemove = " AND #gmap.#gx%03d.#gfen = :gxf%03d AND #gmap.#gx%03d.#gexp = :gxe%03d"
)

// head is the first item of a Transact: a condition that this
// acquisition's entry exists with its fence and has not expired, and, as
// the transaction asks, an update that renews the entry (never moving its
// expiry back) and removes the holders it takes over (each on condition
// that its entry is still the one read).
func (l *Lease) head(t *transaction, now time.Time) types.TransactWriteItem {
	names := map[string]string{"#gmap": "holders", "#gid": l.holder, "#gfen": "fence", "#gexp": "expires"}
	values := map[string]types.AttributeValue{":gfence": ddbattr.N(l.fence), ":gnow": ddbattr.N(micros(now))}
	cond := headGuard
	var set, remove []string
	if t.renew {
		cond += headRenew
		names["#gren"] = "renewed"
		values[":gnext"] = ddbattr.N(micros(t.next))
		set = append(set, headSet)
	}
	for i, h := range t.removing {
		names[fmt.Sprintf("#gx%03d", i)] = h.ID
		values[fmt.Sprintf(":gxf%03d", i)] = ddbattr.N(h.Fence)
		values[fmt.Sprintf(":gxe%03d", i)] = ddbattr.N(micros(h.Expires))
		cond += fmt.Sprintf(headRemove, i, i, i, i)
		remove = append(remove, fmt.Sprintf("#gmap.#gx%03d", i))
	}
	key, table := scopeKey(l.scope), aws.String(l.m.table)
	if len(set)+len(remove) == 0 {
		return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: table, Key: key,
			ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values}}
	}
	update := strings.Join(set, "")
	if len(remove) > 0 {
		update = strings.TrimSpace(update + " REMOVE " + strings.Join(remove, ", "))
	}
	return types.TransactWriteItem{Update: &types.Update{TableName: table, Key: key, UpdateExpression: aws.String(update),
		ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values}}
}
