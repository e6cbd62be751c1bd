package lease

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

// DynamoDB is the part of the DynamoDB API that this package calls.
// *dynamodb.Client satisfies it.
type DynamoDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
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
			{AttributeName: aws.String(ddbattr.PK), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(ddbattr.SK), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(ddbattr.PK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(ddbattr.SK), KeyType: types.KeyTypeRange},
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
