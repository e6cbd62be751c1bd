// Package inspect reads the state that the ingest-normalize Lambda leaves
// behind — the coordination table's lease holders and rows, the normalized
// records in the data bucket — for the demo, the local scripts and the
// end-to-end tests, through the decoders of the rows' owners. It only reads.
package inspect

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
	"github.com/vectora/ingest-normalize/lease"
)

// Scanner is the part of the DynamoDB API that Table calls.
type Scanner interface {
	Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

var _ Scanner = (*dynamodb.Client)(nil)

// Holder is one entry of a lease scope record, with its scope. Whether it
// is live is the lease manager's to say (lease.Manager.Live).
type Holder struct {
	Scope string
	lease.Holder
}

// Table is a snapshot of the coordination table.
type Table struct {
	Holders []Holder       // every holder of every scope, by scope then fence
	Scopes  map[string]int // scope name -> its fence counter
	Kinds   map[string]int // rows by kind: the pk up to its first '#'
	Items   []map[string]types.AttributeValue
}

// ReadTable scans the whole table.
func ReadTable(ctx context.Context, db Scanner, table string) (Table, error) {
	t := Table{Scopes: map[string]int{}, Kinds: map[string]int{}}
	var start map[string]types.AttributeValue
	for {
		out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table), ExclusiveStartKey: start})
		if err != nil {
			return t, fmt.Errorf("inspect: scan %s: %w", table, err)
		}
		for _, item := range out.Items {
			if err := t.add(item); err != nil {
				return t, fmt.Errorf("inspect: %w", err)
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		start = out.LastEvaluatedKey
	}
	sort.Slice(t.Holders, func(i, j int) bool {
		a, b := t.Holders[i], t.Holders[j]
		return a.Scope < b.Scope || a.Scope == b.Scope && a.Fence < b.Fence
	})
	return t, nil
}

func (t *Table) add(item map[string]types.AttributeValue) error {
	t.Items = append(t.Items, item)
	kind, _, _ := strings.Cut(str(item[ddbattr.PK]), "#")
	t.Kinds[kind]++
	s, ok, err := lease.DecodeScope(item)
	if !ok || err != nil {
		return err
	}
	t.Scopes[s.Name] = int(s.Fence)
	for _, h := range s.Holders {
		t.Holders = append(t.Holders, Holder{Scope: s.Name, Holder: h})
	}
	return nil
}

func str(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func num(v types.AttributeValue) int64 {
	if n, ok := v.(*types.AttributeValueMemberN); ok {
		f, _ := strconv.ParseFloat(n.Value, 64)
		return int64(f)
	}
	return 0
}
