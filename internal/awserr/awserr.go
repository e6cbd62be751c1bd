// Package awserr reads the transport side of an AWS SDK error: the HTTP
// status behind it, and whether the request or its answer was lost on
// the way. The DynamoDB and the Bedrock retry rules both decide on them.
package awserr

import (
	"errors"
	"io"
	"net"
	"syscall"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Status returns the HTTP status of the response behind err, or 0 when
// there was none.
func Status(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// Connection reports whether err is a failure to send the request or to
// read the whole response: the server may or may not have acted on it.
func Connection(err error) bool {
	var send *smithyhttp.RequestSendError
	var ne net.Error
	return errors.As(err, &send) || errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET)
}
