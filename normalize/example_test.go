package normalize_test

import (
	"fmt"
	"strings"

	"github.com/vectora/ingest-normalize/normalize"
	"github.com/vectora/ingest-normalize/normalize/item"
)

func ExampleBuildPrompt() {
	items, _, _ := item.ParseItems([]byte(`{"source_key":"press_sector__fiercepharma","published_at":"2025-12-12","title":"<a href=\"https://example.com\">Teva files UZEDY in bipolar I disorder</a>","content":""}`))
	p := normalize.BuildPrompt(items[0], normalize.DefaultCanonical())
	fmt.Println(items[0].ItemID)
	for _, line := range strings.Split(p.User, "\n") {
		if strings.HasPrefix(line, "TITLE:") || strings.HasPrefix(line, "CONTENT:") {
			fmt.Println(line)
		}
	}
	// Output:
	// press_sector__fiercepharma_20251212_f926c4
	// TITLE: Teva files UZEDY in bipolar I disorder
	// CONTENT:
}

func ExampleParseAnswer() {
	item := item.Raw{ItemID: "x", SourceKey: "s", Title: "Teva files UZEDY in bipolar I disorder"}
	answer := "```json\n" + `{"summary":"Teva filed UZEDY.","event_type":"filing","event_confidence":0.8,
	"entities":{"companies":["teva","MedinCell"],"trademarks":["UZEDY"]},"date":null,"date_confidence":0}` + "\n```"
	n, err := normalize.ParseAnswer(answer, item, normalize.DefaultCanonical())
	if err != nil {
		panic(err) // the pipeline writes normalize.Fallback(item, err.Error(), meta)
	}
	fmt.Println(n.Summary, n.EventType, n.Entities.Companies, n.Entities.Trademarks, n.DroppedEntities)
	fmt.Println(n.Notes)
	// Output:
	// Teva filed UZEDY. other [Teva] [UZEDY] 1
	// [event_type "filing" is not in the list; set to "other" with confidence 0]
}
