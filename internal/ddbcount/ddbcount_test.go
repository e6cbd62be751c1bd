package ddbcount

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

type nop struct{ Client }

func (nop) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return &dynamodb.GetItemOutput{}, nil
}

func (nop) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return &dynamodb.UpdateItemOutput{}, nil
}

func (nop) Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return &dynamodb.QueryOutput{}, nil
}

func (nop) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return &dynamodb.TransactWriteItemsOutput{}, nil
}

func pk(v string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: v}}
}

func TestCounterByKind(t *testing.T) {
	ctx := context.Background()
	c := New(nop{})
	_, _ = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{Key: pk("budget#eu-west-3/m")})
	_, _ = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{Key: pk("budget#eu-west-3/m")})
	_, _ = c.GetItem(ctx, &dynamodb.GetItemInput{Key: pk("scope#ingest-normalize/dev")})
	_, _ = c.Query(ctx, &dynamodb.QueryInput{ExpressionAttributeValues: map[string]types.AttributeValue{
		":pk": &types.AttributeValueMemberS{Value: "run#dev#k"}}})
	_, _ = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{Key: pk("scope#x")}}, {Update: &types.Update{Key: pk("run#dev#k")}}}})
	if c.Total() != 5 || c.Count("UpdateItem budget") != 2 || c.Count("TransactWriteItems run") != 1 {
		t.Fatalf("counts: %d total, %s", c.Total(), c)
	}
	if got, want := c.String(), "UpdateItem budget 2, GetItem scope 1, Query run 1, TransactWriteItems run 1"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
}
