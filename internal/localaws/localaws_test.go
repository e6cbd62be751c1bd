package localaws_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/vectora/ingest-normalize/internal/localaws"
)

// TestS3ConditionalPut: the local S3 refuses a PutObject whose If-Match or
// If-None-Match no longer holds with 412 PreconditionFailed, as S3 does
// (gofakes3 checks the condition under the lock of its write). The day
// files and the records rely on it.
func TestS3ConditionalPut(t *testing.T) {
	srv := httptest.NewServer(localaws.S3Handler())
	defer srv.Close()
	ctx := context.Background()
	cfg, err := localaws.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := localaws.S3(cfg, srv.URL)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bucket")}); err != nil {
		t.Fatal(err)
	}
	put := func(body string, match, noneMatch *string) (*s3.PutObjectOutput, error) {
		return c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("k"),
			Body: strings.NewReader(body), IfMatch: match, IfNoneMatch: noneMatch})
	}
	first, err := put("one", nil, aws.String("*"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := put("two", nil, aws.String("*")); !precondition(err) {
		t.Errorf("If-None-Match * on an existing key: %v, want PreconditionFailed", err)
	}
	if _, err := put("two", first.ETag, nil); err != nil {
		t.Errorf("If-Match on the current ETag: %v", err)
	}
	if _, err := put("three", first.ETag, nil); !precondition(err) {
		t.Errorf("If-Match on a replaced ETag: %v, want PreconditionFailed", err)
	}
}

func precondition(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "PreconditionFailed"
}
