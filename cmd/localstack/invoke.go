package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

const invokeUsage = `Usage: localstack invoke -url http://127.0.0.1:PORT [flags]

Invokes the function behind one Lambda Runtime Interface Emulator
(POST /2015-03-31/functions/function/invocations), like
"aws lambda invoke --endpoint-url URL --function-name function", writes the
response to -out and prints one line when it arrives. One emulator process
serves one invocation at a time.`

func invoke(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("invoke", invokeUsage, stderr, nil)
	url := fs.String("url", "", "base URL of the emulator")
	payload := fs.String("payload", `{"client_id":"demo","period_days":7}`, "event JSON")
	out := fs.String("out", "", "write the response here")
	name := fs.String("name", "", "label of the printed line (default: the invocation's name, from its lease holder)")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	if err := parseFlags(fs, args, getenv, nil); err != nil {
		return err
	}
	if *url == "" {
		return fmt.Errorf("invoke: -url is required")
	}
	start := time.Now()
	body, err := post(ctx, strings.TrimRight(*url, "/")+"/2015-03-31/functions/function/invocations", *payload, *timeout)
	if err != nil {
		return fmt.Errorf("invoke %s: %w", *name, err)
	}
	if *out != "" {
		if err := os.WriteFile(*out, body, 0o644); err != nil {
			return err
		}
	}
	label := invocationName(holderOf(body))
	if *name != "" {
		label += " (" + *name + ")"
	}
	fmt.Fprintf(stdout, "%s finished in %.1fs: %s\n", label, time.Since(start).Seconds(), oneLine(body))
	return nil
}

func post(ctx context.Context, url, payload string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(payload))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: %.300s", resp.Status, body)
	}
	return body, err
}

// oneLine summarizes a response: its message and main figures when it is
// the Lambda's answer, else its scalar fields (an error, for instance).
func oneLine(body []byte) string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return string(bytes.TrimSpace(body))
	}
	var parts []string
	flatten("", v, &parts)
	fields := map[string]string{}
	for _, p := range parts {
		k, val, _ := strings.Cut(p, "=")
		fields[k] = val
	}
	msg, ok := fields["message"]
	if !ok {
		return strings.Join(parts, " ")
	}
	var b strings.Builder
	b.WriteString(msg)
	for _, k := range summaryFields {
		if val, ok := fields[k]; ok {
			fmt.Fprintf(&b, " %s=%s", k[strings.LastIndex(k, ".")+1:], val)
		}
	}
	return b.String()
}

// summaryFields are the response fields a summary line shows.
var summaryFields = []string{
	"counts.claimed", "counts.ok", "counts.fallback", "counts.failed", "counts.already_done", "counts.remaining",
	"bedrock.calls", "bedrock.throttles", "bedrock.budget_wait_ms", "lease.fence", "workers.peak", "duration_ms",
}
