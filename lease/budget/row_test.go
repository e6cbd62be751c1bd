package budget_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// readRow returns the numeric attributes of the test quota's budget row.
func readRow(t *testing.T, table string) map[string]int64 {
	t.Helper()
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "budget#eu-west-3/eu.anthropic.claude-sonnet-4-5-20250929-v1:0"},
			"sk": &types.AttributeValueMemberS{Value: "budget"}}})
	if err != nil {
		t.Fatal(err)
	}
	row := map[string]int64{}
	for k, v := range out.Item {
		if n, ok := v.(*types.AttributeValueMemberN); ok {
			f, _ := strconv.ParseFloat(n.Value, 64)
			row[k] = int64(f)
		}
	}
	return row
}
