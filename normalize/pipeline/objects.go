package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// getObject reads at most limit bytes of an object; a larger one is an
// error. A missing object is an error for which isStatus(err, 404) holds.
func getObject(ctx context.Context, api S3, bucket, key string, limit int64) ([]byte, error) {
	out, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("normalize: get s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("normalize: read s3://%s/%s: %w", bucket, key, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("normalize: s3://%s/%s is larger than %d bytes", bucket, key, limit)
	}
	return data, nil
}

// isStatus reports whether err is an HTTP answer with the given status
// (404 also matches the NoSuchKey and NotFound codes).
func isStatus(err error, status int) bool {
	if err == nil {
		return false
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == status {
		return true
	}
	var api smithy.APIError
	if status == 404 && errors.As(err, &api) {
		c := api.ErrorCode()
		return c == "NoSuchKey" || c == "NotFound"
	}
	return false
}

// isPrecondition reports a failed If-Match / If-None-Match.
func isPrecondition(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) && (api.ErrorCode() == "PreconditionFailed" || api.ErrorCode() == "ConditionalRequestConflict") {
		return true
	}
	return isStatus(err, 412) || isStatus(err, 409)
}

func lower(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}
