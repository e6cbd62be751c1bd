package normalize

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/vectora/ingest-normalize/normalize/item"
)

var parseItem = item.Raw{
	ItemID: "x", SourceKey: "s",
	Title:   "Teva and MedinCell: FDA approves UZEDY® for bipolar I disorder",
	Content: "The risperidone extended-release injectable uses the BEPO technology. Mentions {braces}.",
}

const goodAnswer = `{"summary":"The FDA approved UZEDY.","event_type":"regulatory","event_confidence":0.9,
"entities":{"companies":["teva","MedinCell"],"molecules":["Risperidone"],"technologies":["BEPO"],"trademarks":["UZEDY"],"indications":["Bipolar I Disorder"]},
"date":"2025-10-10","date_confidence":0.7}`

func TestParseAnswerShapes(t *testing.T) {
	tests := []struct{ name, text string }{
		{"plain", goodAnswer},
		{"json fence", "```json\n" + goodAnswer + "\n```"},
		{"bare fence", "```\n" + goodAnswer + "\n```\n"},
		{"fence with prose", "Here is the JSON:\n```json\n" + goodAnswer + "\n```\nHope it helps {really}."},
		{"trailing prose", goodAnswer + "\nNote: I was unsure about {the date}."},
		{"leading prose with brace", "Sure {ok} here: " + goodAnswer},
		{"unclosed fence", "```json\n" + goodAnswer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseAnswer(tt.text, parseItem, DefaultCanonical())
			if err != nil {
				t.Fatal(err)
			}
			if n.Summary != "The FDA approved UZEDY." || n.EventType != "regulatory" || n.EventConfidence != 0.9 ||
				n.Date != "2025-10-10" || n.DateConfidence != 0.7 || n.DroppedEntities != 0 || len(n.Notes) != 0 {
				t.Errorf("got %+v", n)
			}
			e := n.Entities
			if !slices.Equal(e.Companies, []string{"Teva", "MedinCell"}) || !slices.Equal(e.Molecules, []string{"risperidone"}) ||
				!slices.Equal(e.Indications, []string{"bipolar I disorder"}) || !slices.Equal(e.Trademarks, []string{"UZEDY"}) {
				t.Errorf("entities %+v", e)
			}
		})
	}
}

func TestParseAnswerCorrections(t *testing.T) {
	tests := []struct {
		name, text string
		check      func(n Normalized) bool
	}{
		{"braces in strings", `{"summary":"Uses } and { and \"}\" inside.","event_type":"other","event_confidence":0.5,"date":null,"date_confidence":0}`,
			func(n Normalized) bool { return n.Summary == `Uses } and { and "}" inside.` && len(n.Notes) == 0 }},
		{"invented entities dropped", `{"summary":"s","event_type":"partnership","event_confidence":0.8,"entities":{"companies":["Teva","Pfizer","Novartis"],"molecules":["olanzapine","risperidone","risperidone"]},"date_confidence":0}`,
			func(n Normalized) bool {
				return n.DroppedEntities == 3 && slices.Equal(n.Entities.Companies, []string{"Teva"}) && slices.Equal(n.Entities.Molecules, []string{"risperidone"})
			}},
		{"unknown event type", `{"summary":"s","event_type":"Product Launch","event_confidence":0.9,"date_confidence":0}`,
			func(n Normalized) bool {
				return n.EventType == EventOther && n.EventConfidence == 0 && strings.Contains(n.Notes[0], "Product Launch")
			}},
		{"event type spelled loosely", `{"summary":"s","event_type":" Clinical-Update ","event_confidence":0.6,"date_confidence":0}`,
			func(n Normalized) bool { return n.EventType == "clinical_update" && n.EventConfidence == 0.6 }},
		{"confidences clamped", `{"summary":"s","event_type":"other","event_confidence":85,"date":"2025-01-02","date_confidence":-1}`,
			func(n Normalized) bool { return n.EventConfidence == 1 && n.DateConfidence == 0 && len(n.Notes) == 2 }},
		{"confidence as string", `{"summary":"s","event_type":"other","event_confidence":"0.4","date_confidence":0}`,
			func(n Normalized) bool { return n.EventConfidence == 0.4 }},
		{"missing confidences", `{"summary":"s","event_type":"other"}`,
			func(n Normalized) bool { return n.EventConfidence == 0 && len(n.Notes) == 2 }},
		{"bad date", `{"summary":"s","event_type":"other","event_confidence":1,"date":"last week","date_confidence":0.9}`,
			func(n Normalized) bool { return n.Date == "" && n.DateConfidence == 0 && len(n.Notes) == 1 }},
		{"datetime date", `{"summary":"s","event_type":"other","event_confidence":1,"date":"2025-12-01T10:00:00Z","date_confidence":0.9}`,
			func(n Normalized) bool { return n.Date == "2025-12-01" && n.DateConfidence == 0.9 }},
		{"numeric date", `{"summary":"s","event_type":"other","event_confidence":1,"date":20251201,"date_confidence":0.9}`,
			func(n Normalized) bool { return n.Date == "" && n.DateConfidence == 0 }},
		{"entity as bare string", `{"summary":"s","event_type":"other","event_confidence":1,"date_confidence":0,"entities":{"technologies":"bepo"}}`,
			func(n Normalized) bool { return slices.Equal(n.Entities.Technologies, []string{"BEPO"}) }},
		{"entity list with non-strings", `{"summary":"s","event_type":"other","event_confidence":1,"date_confidence":0,"entities":{"companies":[1,{"a":"b"},"Teva"]}}`,
			func(n Normalized) bool {
				return n.DroppedEntities == 2 && slices.Equal(n.Entities.Companies, []string{"Teva"})
			}},
		{"entity kind wrong type", `{"summary":"s","event_type":"other","event_confidence":1,"date_confidence":0,"entities":{"companies":{"x":1},"drugs":["a"]}}`,
			func(n Normalized) bool {
				return len(n.Notes) == 2 && len(n.Entities.Companies) == 0 && n.Entities.Companies != nil
			}},
		{"one-letter entity dropped", `{"summary":"s","event_type":"other","event_confidence":1,"date_confidence":0,"entities":{"companies":["a","T"]}}`,
			func(n Normalized) bool { return n.DroppedEntities == 2 }},
		{"html in summary", `{"summary":"<b>Bold</b> &amp; clear","event_type":"other","event_confidence":1,"date_confidence":0}`,
			func(n Normalized) bool { return n.Summary == "Bold & clear" }},
		{"long summary cut", `{"summary":"` + strings.Repeat("word ", 1000) + `","event_type":"other","event_confidence":1,"date_confidence":0}`,
			func(n Normalized) bool { return len([]rune(n.Summary)) == MaxSummaryRunes && len(n.Notes) == 1 }},
		{"unknown fields ignored", `{"summary":"s","event_type":"other","event_confidence":1,"date_confidence":0,"reasoning":"..."}`,
			func(n Normalized) bool { return len(n.Notes) == 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseAnswer(tt.text, parseItem, DefaultCanonical())
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(n) {
				t.Errorf("got %+v", n)
			}
		})
	}
}

func TestParseAnswerErrors(t *testing.T) {
	tests := []struct{ name, text, reason string }{
		{"empty", "  \n", "empty"},
		{"not json", "I cannot help with that.", "no JSON object"},
		{"unbalanced", `{"summary":"s"`, "no JSON object"},
		{"array", `["summary"]`, "no JSON object"},
		{"invalid json", `{"summary": 'single quotes'}`, "no JSON object"},
		{"no summary", `{"event_type":"other"}`, "summary"},
		{"blank summary", `{"summary":"  <br> "}`, "summary"},
		{"summary wrong type", `{"summary":42}`, "schema"},
		{"confidence garbage", `{"summary":"s","event_confidence":"high"}`, "schema"},
		{"too big", `{"summary":"` + strings.Repeat("a", MaxAnswerBytes) + `"}`, "bytes"},
		{"too deep", `{"summary":"s","x":` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `}`, "deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseAnswer(tt.text, parseItem, DefaultCanonical())
			var ae *AnswerError
			if !errors.As(err, &ae) || !strings.Contains(ae.Reason, tt.reason) {
				t.Fatalf("err = %v, want reason containing %q", err, tt.reason)
			}
		})
	}
}
