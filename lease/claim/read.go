package claim

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
	"github.com/vectora/ingest-normalize/internal/ddbretry"
)

// Read returns claim sk (one strongly consistent GetItem); its State is ""
// when it does not exist. Throttling and 5xx are retried until ctx ends.
func (s *Set) Read(ctx context.Context, sk string) (State, error) {
	in := &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: s.key(sk), ConsistentRead: aws.Bool(true)}
	var out *dynamodb.GetItemOutput
	err := s.read(ctx, func() (err error) {
		out, err = s.db.GetItem(ctx, in, ddbretry.NoSDKRetry)
		return err
	})
	if err != nil {
		return State{}, err
	}
	st := Decode(out.Item)
	st.SK = sk
	return st, nil
}

// List returns the claims of the partition whose sort key starts with
// prefix, in sort key order: one strongly consistent Query (more when the
// answer is paged). Throttling and 5xx are retried until ctx ends.
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
		var page *dynamodb.QueryOutput
		err := s.read(ctx, func() (err error) {
			page, err = s.db.Query(ctx, in, ddbretry.NoSDKRetry)
			return err
		})
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

// read calls get until it succeeds or fails for good (ddbretry.Classify:
// a read is safe to send again whatever happened to the last one),
// waiting between tries as Mark does, until ctx ends.
func (s *Set) read(ctx context.Context, get func() error) error {
	return retrying(ctx, s, func() (bool, error) {
		err := get()
		return err == nil || !ddbretry.Classify(err).Retryable(), err
	})
}
