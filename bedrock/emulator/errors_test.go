package emulator

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"
)

func invokeErr(c *bedrockruntime.Client, id string, body []byte) error {
	_, err := c.InvokeModel(context.Background(), &bedrockruntime.InvokeModelInput{
		ModelId: aws.String(id), Body: body, ContentType: aws.String("application/json"),
	})
	return err
}

func TestValidationErrors(t *testing.T) {
	s := mustNew(t, WithLatency(Latency{}))
	c := newTestServer(t, s)
	bodies := map[string]string{
		"bad JSON":        `{"anthropic_version":`,
		"no max_tokens":   `{"anthropic_version":"bedrock-2023-05-31","messages":[{"role":"user","content":"hi"}]}`,
		"wrong version":   `{"anthropic_version":"2023-06-01","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`,
		"no version":      `{"max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`,
		"empty messages":  `{"anthropic_version":"bedrock-2023-05-31","max_tokens":10,"messages":[]}`,
		"too many tokens": `{"anthropic_version":"bedrock-2023-05-31","max_tokens":64001,"messages":[{"role":"user","content":"hi"}]}`,
	}
	for name, body := range bodies {
		err := invokeErr(c, sonnet, []byte(body))
		var ve *types.ValidationException
		if !errors.As(err, &ve) {
			t.Errorf("%s: %v, want *types.ValidationException", name, err)
		}
	}
	if got := s.Stats().Models[sonnet].ValidationErrors; got != int64(len(bodies)) {
		t.Errorf("validation_errors = %d, want %d", got, len(bodies))
	}
	_, err := c.Converse(context.Background(), &bedrockruntime.ConverseInput{ModelId: aws.String(sonnet)})
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Errorf("Converse without messages: %v", err)
	}
}

func TestUnknownModel(t *testing.T) {
	s := mustNew(t, WithLatency(Latency{}))
	c := newTestServer(t, s)
	err := invokeErr(c, "eu.anthropic.claude-nothing-v1:0", invokeBody("hi", 10))
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("%v, want *types.ResourceNotFoundException", err)
	}
	if s.Stats().UnknownModel != 1 {
		t.Fatal("unknown model not counted")
	}
}

func TestThrottlingMessages(t *testing.T) {
	s := mustNew(t, WithLatency(Latency{}), WithModel(sonnet, Quota{RPM: 2, TPM: 5100}))
	c := newTestServer(t, s)
	body := invokeBody("hello", 5000) // reserves 5 k tokens, settles far less
	if err := invokeErr(c, sonnet, body); err != nil {
		t.Fatal(err)
	}
	assertThrottled(t, invokeErr(c, sonnet, body), msgTooManyTokens)
	if err := invokeErr(c, sonnet, invokeBody("hello", 100)); err != nil {
		t.Fatal(err)
	}
	assertThrottled(t, invokeErr(c, sonnet, invokeBody("hello", 1)), msgTooManyRequests)
	st := s.Stats().Models[sonnet]
	if st.Throttled != (Throttled{Tokens: 1, Requests: 1}) || st.Admitted != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func assertThrottled(t *testing.T, err error, msg string) {
	t.Helper()
	var te *types.ThrottlingException
	if !errors.As(err, &te) {
		t.Fatalf("%v, want *types.ThrottlingException", err)
	}
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ThrottlingException" || api.ErrorMessage() != msg {
		t.Fatalf("api error %v, want %q", api, msg)
	}
}
