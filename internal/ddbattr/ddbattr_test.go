package ddbattr

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestRoundTrip(t *testing.T) {
	item := map[string]types.AttributeValue{"s": S("x"), "n": N(-42)}
	if GetS(item, "s") != "x" || GetN(item, "n") != -42 {
		t.Fatalf("round trip: %q %d", GetS(item, "s"), GetN(item, "n"))
	}
	if GetS(item, "n") != "" || GetN(item, "s") != 0 || GetS(item, "missing") != "" {
		t.Fatal("wrong types or absent attributes must read as zero values")
	}
}
