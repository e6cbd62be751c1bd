package ingest_test

import (
	"fmt"
	"os"

	"github.com/vectora/ingest-normalize/ingest"
)

// The example catalog and client of testdata/, resolved as Run does.
func ExampleCatalog_Resolve() {
	catalog, _ := os.ReadFile("testdata/source_catalog.yaml")
	client, _ := os.ReadFile("testdata/clients/demo.yaml")
	c, err := ingest.ParseCatalog(catalog)
	if err != nil {
		fmt.Println(err)
		return
	}
	cl, err := ingest.ParseClient(client)
	if err != nil {
		fmt.Println(err)
		return
	}
	sources, _, _ := c.Resolve(cl, nil)
	for _, s := range sources {
		fmt.Println(s.Mode, s.Key)
	}
	// An event's sources replace the client's list.
	sources, _, _ = c.Resolve(cl, []string{"press_corporate__nordic_lai"})
	fmt.Println(len(sources), sources[0].Selectors.Item)
	// Output:
	// rss press_sector__fiercebiotech
	// rss press_sector__fiercepharma
	// rss press_sector__endpoints_news
	// html press_corporate__acme_bio
	// html press_corporate__nordic_lai
	// 1 article.press-release
}
