package lease

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Attribute names of the coordination table's key and garbage-collection
// attribute. See the package documentation for every item type.
const (
	AttrPK = "pk"
	AttrSK = "sk"
	AttrGC = "gc_at" // TTL attribute, epoch seconds; garbage collection only
)

// DynamoDB is the part of the DynamoDB API that this package calls.
// *dynamodb.Client satisfies it.
type DynamoDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

var _ DynamoDB = (*dynamodb.Client)(nil)

// TableAdmin is what CreateTable needs. *dynamodb.Client satisfies it.
type TableAdmin interface {
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

var _ TableAdmin = (*dynamodb.Client)(nil)

// CreateTable creates the coordination table (on-demand, string pk and sk)
// unless it exists, and waits until it can be described. It is meant for
// local servers and tests; on AWS the table comes from infra/s0-coordination.yaml.
func CreateTable(ctx context.Context, db TableAdmin, name string) error {
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(AttrPK), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrSK), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(AttrPK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(AttrSK), KeyType: types.KeyTypeRange},
		},
	})
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("lease: create table %s: %w", name, err)
	}
	return waitDescribable(ctx, db, name)
}

// waitDescribable polls DescribeTable until the table answers as ACTIVE or
// with no status at all (minidyn leaves TableStatus empty, so the SDK's
// waiter would hang on it).
func waitDescribable(ctx context.Context, db TableAdmin, name string) error {
	for {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err == nil && out.Table != nil {
			if s := out.Table.TableStatus; s == "" || s == types.TableStatusActive {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("lease: wait for table %s: %w", name, errors.Join(ctx.Err(), err))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// key builds the primary key of an item.
func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrPK: &types.AttributeValueMemberS{Value: pk},
		AttrSK: &types.AttributeValueMemberS{Value: sk},
	}
}

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: fmt.Sprint(n)}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func numF(f float64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: fmt.Sprint(f)}
}
