package inspect

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

// Live reports whether the holder's lease has not expired at now. The lease
// package replaces a holder only once its expiry plus the skew margin has
// passed, so an expired holder may still be in the record for a while.
func (h Holder) Live(now time.Time) bool { return !h.Expires.Before(now) }

// ScopeKey is the key of scope's lease record.
func ScopeKey(scope string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		ddbattr.PK: &types.AttributeValueMemberS{Value: "scope#" + scope},
		ddbattr.SK: &types.AttributeValueMemberS{Value: "lease"},
	}
}

// ReadScope reads the holders of one scope, strongly consistent; found is
// false when the scope has no record.
func ReadScope(ctx context.Context, db Getter, table, scope string) (hs []Holder, found bool, err error) {
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(table), Key: ScopeKey(scope), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, false, fmt.Errorf("inspect: read scope %s: %w", scope, err)
	}
	if len(out.Item) == 0 {
		return nil, false, nil
	}
	var t Table
	t.Scopes, t.Kinds = map[string]int{}, map[string]int{}
	t.add(out.Item)
	sort.Slice(t.Holders, func(i, j int) bool { return t.Holders[i].Fence < t.Holders[j].Fence })
	return t.Holders, true, nil
}
