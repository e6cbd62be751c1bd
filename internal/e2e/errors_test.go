package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// TestInvalidEventOnTheWire is issue 15's items 5 and "errorType" through
// the real binary under the Runtime Interface Emulator: the runtime
// answers with errorType InvalidEvent (not a Go type name such as
// joinError), the message names every bad field, and the coordination
// table has no row afterwards: no lease was taken.
func TestInvalidEventOnTheWire(t *testing.T) {
	bootstrap, rieBin := binaries(t)
	st := newStack(t, quota{rpm: 60, tpm: 150_000, scale: 20})
	r := startRIE(t, "rie-1", bootstrap, rieBin, st.lambdaEnv())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for event, fields := range map[string][]string{
		`{"client_id":"../../etc","period_days":7,"mode":"both"}`:      {`"client_id"`},
		`{"client_id":42,"period_days":"7","mode":"fetch","bogus":true}`: {`"client_id"`, `"period_days"`, `"mode"`, `"bogus"`},
	} {
		resp := r.invoke(ctx, event)
		var body struct{ ErrorType, ErrorMessage string }
		if err := json.Unmarshal(resp.body, &body); err != nil || body.ErrorType != "InvalidEvent" {
			t.Errorf("%s: answered %s, want errorType InvalidEvent", event, resp.body)
		}
		for _, f := range fields {
			if !strings.Contains(body.ErrorMessage, f) {
				t.Errorf("%s: errorMessage %q does not name %s", event, body.ErrorMessage, f)
			}
		}
	}
	out, err := st.db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Count != 0 {
		t.Errorf("%d rows in the coordination table after invalid events, want 0: %v", out.Count, out.Items)
	}
}
