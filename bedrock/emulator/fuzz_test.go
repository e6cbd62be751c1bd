package emulator

import (
	"net/http"
	"testing"
)

// FuzzParseRequest feeds arbitrary bodies to the emulator's three request
// parsers (InvokeModel, Converse, CountTokens): none panics, and every
// refusal is an *apiError that the handlers can write as a 400.
func FuzzParseRequest(f *testing.F) {
	for _, seed := range []string{
		string(invokeBody("Title: Acme\nContent: paliperidone", 512)),
		`{"anthropic_version":"bedrock-2023-05-31","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"system":"s"}`,
		`{"anthropic_version":"bedrock-2023-05-31","max_tokens":-5,"messages":[]}`,
		`{"anthropic_version":"bedrock-2023-05-31","max_tokens":99999999999,"messages":[{"role":"robot","content":7}]}`,
		`{"messages":[{"role":"user","content":[{"text":"hi"}]}],"system":[{"text":"s"}],"inferenceConfig":{"maxTokens":10}}`,
		`{"messages":[{"role":"user","content":[{}]}],"inferenceConfig":{"maxTokens":0,"temperature":9}}`,
		`{"input":{"invokeModel":{"body":"eyJhbnRocm9waWNfdmVyc2lvbiI6ImJlZHJvY2stMjAyMy0wNS0zMSJ9"}}}`,
		`{"input":{"converse":{"messages":[{"role":"user","content":[{"text":"x"}]}]}}}`,
		`{"input":{}}`, `null`, `[]`, `{`, "\xff\xfe", `{"messages":null}`,
	} {
		f.Add([]byte(seed))
	}
	s, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		check := func(name string, req request, err error) {
			if err == nil {
				_ = req.prompt()
				if req.maxTokens < 0 {
					t.Errorf("%s accepted max_tokens %d", name, req.maxTokens)
				}
				return
			}
			e, ok := err.(*apiError)
			if !ok || e.status != http.StatusBadRequest || e.message == "" {
				t.Errorf("%s refused %q with %T %v, want a 400 *apiError", name, body, err, err)
			}
		}
		req, err := s.parseInvoke(body)
		check("invoke", req, err)
		req, err = s.parseConverse(body, true)
		check("converse", req, err)
		req, err = s.parseCountTokens(body)
		check("count-tokens", req, err)
	})
}
