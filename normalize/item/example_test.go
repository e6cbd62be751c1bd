package item_test

import (
	"fmt"
	"time"

	"github.com/vectora/ingest-normalize/normalize/item"
)

func ExampleParseEvent() {
	ev, err := item.ParseEvent([]byte(`{"client_id":"acme","period_days":3}`))
	if err != nil {
		panic(err)
	}
	now := time.Date(2025, 12, 21, 8, 0, 0, 0, time.UTC)
	if err := ev.Validate(now); err != nil {
		panic(err)
	}
	for _, day := range ev.Days(now) {
		key, _ := item.InputKey(ev.ClientID, day)
		fmt.Println(key)
	}
	fmt.Println(ev.RunKey(now))

	bad, _ := item.ParseEvent([]byte(`{"client_id":"../x","period_days":3}`))
	fmt.Println(bad.Validate(now))
	// Output:
	// ingested/acme/2025/12/19/items.json
	// ingested/acme/2025/12/20/items.json
	// ingested/acme/2025/12/21/items.json
	// acme:2025-12-19:2025-12-21:all
	// normalize: field "client_id": has a forbidden character '.' at byte 0 (fix: use 1 to 64 ASCII letters, digits, '_' and '-')
}

func ExampleDecodeEvent() {
	now := time.Date(2025, 12, 21, 8, 0, 0, 0, time.UTC)
	_, err := item.DecodeEvent([]byte(`{"client_id":42,"period_days":"7","mode":"fetch"}`), now)
	fmt.Println(err)
	// Output:
	// normalize: field "client_id": has JSON number 42, want a string (fix: send the documented type for client_id)
	// normalize: field "period_days": has JSON type string, want an integer (fix: send the documented type for period_days)
	// normalize: field "mode": is "fetch" (fix: use both, ingest or normalize, or omit it)
}

func ExampleParseItems() {
	file := `{"source_key":"press_sector__fiercepharma","published_at":"2025-12-12","title":"<b>Teva</b> files UZEDY &amp; more"}
{"item_id":"../x","source_key":"wire","title":"escape"}
{broken`
	items, bad, err := item.ParseItems([]byte(file))
	if err != nil {
		panic(err) // not JSON at all
	}
	for _, it := range items {
		fmt.Println(it.ItemID, "|", it.Title)
	}
	for _, b := range bad {
		fmt.Println(b.Position, b.Field, b.Reason)
	}
	// Output:
	// press_sector__fiercepharma_20251212_28f95c | Teva files UZEDY & more
	// 3  line is not one JSON value
	// 2 item_id has a forbidden character '/' at byte 2
}
