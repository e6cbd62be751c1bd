package linearize_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/linearize"
	"github.com/vectora/ingest-normalize/lease"
)

// gaveUp is a table whose every request ends with its sender giving up.
type gaveUp struct{ lease.DynamoDB }

func (gaveUp) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return nil, context.DeadlineExceeded
}

// TestUnknownOutcomeReturn: a request given up on is Unknown, with an
// infinite return, or its call plus the landing bound when one is given.
func TestUnknownOutcomeReturn(t *testing.T) {
	renewal := &dynamodb.UpdateItemInput{Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "scope#s"}, "sk": &types.AttributeValueMemberS{Value: "lease"}},
		ExpressionAttributeNames:  map[string]string{"#id": "a"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":f": &types.AttributeValueMemberN{Value: "1"}, ":next": &types.AttributeValueMemberN{Value: "9"}}}
	for _, bound := range []time.Duration{0, time.Minute} {
		h := linearize.NewHistory(clock.System, linearize.WithLandingBound(bound))
		_, _ = h.Client(0, gaveUp{}).UpdateItem(context.Background(), renewal)
		ops := h.Operations()
		if len(ops) != 1 || ops[0].Output != linearize.Unknown || ops[0].Input.(linearize.Input).Kind != linearize.Renew {
			t.Fatalf("bound %v: recorded %+v", bound, ops)
		}
		want := int64(math.MaxInt64)
		if bound > 0 {
			want = ops[0].Call + bound.Microseconds()
		}
		if ops[0].Return != want {
			t.Errorf("bound %v: return %d, want %d", bound, ops[0].Return, want)
		}
	}
}
