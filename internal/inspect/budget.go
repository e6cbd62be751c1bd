package inspect

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/vectora/ingest-normalize/lease/budget"
)

// Getter is the part of the DynamoDB API that ReadScope calls.
type Getter interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

var _ Getter = (*dynamodb.Client)(nil)

// Budgets decodes every budget row of the snapshot, through their owner
// (package lease/budget), by quota.
func (t Table) Budgets() ([]budget.Row, error) {
	var out []budget.Row
	for _, item := range t.Items {
		row, ok, err := budget.DecodeRow(item)
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, row)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Quota < out[j].Quota })
	return out, nil
}
