package lease

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

// ErrLive is returned by Evict for a holder that is still live by the
// manager's rule (Live) when force is not set.
var ErrLive = errors.New("lease: holder is live")

// ErrChanged is returned by Evict when the holder's entry is no longer the
// one read: it was renewed, replaced or released since.
var ErrChanged = errors.New("lease: holder entry changed since it was read")

// Evict removes holder h, as read by Holders, from scope: the operator's
// release of an entry whose invocation is gone. It is one conditional write
// on the entry's fence and, unless force, on its expiry as read (an entry
// renewed since is left alone) and on h being no longer live at now. A
// forced eviction of a live holder makes its next renewal or guarded write
// fail, so that it stops: it loses its lease.
func (m *Manager) Evict(ctx context.Context, scope string, h Holder, force bool) error {
	if !force && m.Live(h, m.clock.Now()) {
		return fmt.Errorf("lease: evict %s from %s: %w", h.ID, scope, ErrLive)
	}
	cond := "#hs.#id.#f = :f"
	names := map[string]string{"#hs": "holders", "#id": h.ID, "#f": "fence"}
	values := map[string]types.AttributeValue{":f": ddbattr.N(h.Fence)}
	if !force {
		cond += " AND #hs.#id.#e = :e"
		names["#e"], values[":e"] = "expires", ddbattr.N(micros(h.Expires))
	}
	_, err := m.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(m.table), Key: scopeKey(scope),
		UpdateExpression:    aws.String("REMOVE #hs.#id"),
		ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	})
	var failed *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &failed):
		return fmt.Errorf("lease: evict %s from %s: %w", h.ID, scope, ErrChanged)
	case err != nil:
		return fmt.Errorf("lease: evict %s from %s: %w", h.ID, scope, err)
	}
	return nil
}
