package claim

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
)

// Read returns claim sk (one strongly consistent GetItem); its State is ""
// when it does not exist.
func (s *Set) Read(ctx context.Context, sk string) (State, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: s.key(sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return State{}, err
	}
	st := Decode(out.Item)
	st.SK = sk
	return st, nil
}

// List returns the claims of the partition whose sort key starts with
// prefix, in sort key order: one strongly consistent Query (more when the
// answer is paged).
func (s *Set) List(ctx context.Context, prefix string) ([]State, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("#pk = :pk AND begins_with(#sk, :pre)"),
		ExpressionAttributeNames:  map[string]string{"#pk": ddbattr.PK, "#sk": ddbattr.SK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": ddbattr.S(s.pk), ":pre": ddbattr.S(prefix)},
		ConsistentRead:            aws.Bool(true),
	}
	var out []State
	for {
		page, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, item := range page.Items {
			out = append(out, Decode(item))
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}
