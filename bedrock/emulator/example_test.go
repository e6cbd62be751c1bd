package emulator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/vectora/ingest-normalize/bedrock/emulator"
)

func Example() {
	const model = "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"
	em, err := emulator.New(
		emulator.WithModel(model, emulator.Quota{RPM: 50, TPM: 100_000}),
		emulator.WithTimeScale(1000), // a 2.8 s call takes 2.8 ms
	)
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(em)
	defer srv.Close()

	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("eu-west-3"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("id", "secret", "")))
	if err != nil {
		log.Fatal(err)
	}
	client := bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
	})
	body := `{"anthropic_version":"bedrock-2023-05-31","max_tokens":1000,"messages":[{"role":"user",` +
		`"content":"Normalize this item.\nTITLE: Medincell Awarded New Grant to Fight Malaria\nCONTENT: "}]}`
	out, err := client.InvokeModel(context.Background(), &bedrockruntime.InvokeModelInput{
		ModelId: aws.String(model), Body: []byte(body), ContentType: aws.String("application/json"),
	})
	if err != nil {
		log.Fatal(err)
	}
	var msg struct {
		Content []struct{ Text string }
	}
	var item struct {
		EventType string `json:"event_type"`
		Entities  struct{ Companies, Indications []string }
	}
	_ = json.Unmarshal(out.Body, &msg)
	_ = json.Unmarshal([]byte(msg.Content[0].Text), &item)
	fmt.Println(item.EventType, item.Entities.Companies, item.Entities.Indications)

	st := em.Stats().Models[model]
	fmt.Println("admitted", st.Admitted, "reserved", st.TokensReserved, "settled", st.TokensSettled)
	// Output:
	// partnership [Medincell] [Malaria]
	// admitted 1 reserved 1029 settled 554
}
