package bedrock_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/vectora/ingest-normalize/bedrock"
)

// fakeBedrock throttles the first request and answers the next.
func fakeBedrock() *httptest.Server {
	n := 0
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if n++; n == 1 {
			w.Header().Set("x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"message":"Too many tokens, please wait before trying again."}`)
			return
		}
		fmt.Fprint(w, `{"content":[{"type":"text","text":"{\"event\":\"regulatory\"}"}],
			"stop_reason":"end_turn","usage":{"input_tokens":38,"output_tokens":9}}`)
	}))
}

func ExampleClient_Call() {
	srv := fakeBedrock()
	defer srv.Close()
	api := bedrockruntime.NewFromConfig(aws.Config{
		Region:      "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	}, func(o *bedrockruntime.Options) { o.BaseEndpoint = aws.String(srv.URL) })

	c, err := bedrock.New(api, "eu.anthropic.claude-sonnet-4-5-20250929-v1:0", bedrock.Unlimited,
		bedrock.WithMaxTokens(200), bedrock.WithBackoff(10*time.Millisecond, time.Second))
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p := bedrock.Prompt{
		System: "Classify the press item. Answer with JSON.",
		User:   "Acme Pharma receives FDA approval for examplumab.",
	}
	res, err := c.Call(ctx, p)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Text)
	fmt.Printf("attempts %d, throttles %d\n", res.Attempts, res.Throttles)
	fmt.Printf("reserved %d = %d estimated, +2 %%, + 200 max_tokens\n", res.Usage.ReservedTokens, bedrock.EstimateTokens(p))
	fmt.Printf("settled %d = 38 + 9×%g\n", res.Usage.SettledTokens, c.Burndown())
	// Output:
	// {"event":"regulatory"}
	// attempts 2, throttles 1
	// reserved 238 = 37 estimated, +2 %, + 200 max_tokens
	// settled 83 = 38 + 9×5
}
