package pipeline

import (
	"errors"
	"testing"

	"github.com/vectora/ingest-normalize/bedrock"
)

// TestDedupSharesSuccessNotFailure: the first caller of a prompt makes the
// call; a later one gets its result, or, when it failed, makes its own.
func TestDedupSharesSuccessNotFailure(t *testing.T) {
	var d dedup
	key := promptKey("m", bedrock.Prompt{System: "s", User: "u"})
	if key == promptKey("m", bedrock.Prompt{System: "su", User: ""}) {
		t.Fatal("prompt key ignores where system ends")
	}
	c, first := d.join(key, "a")
	if !first {
		t.Fatal("first caller must call")
	}
	d.finish(key, c, nil, errors.New("throttled"))
	c, first = d.join(key, "b")
	if !first {
		t.Fatal("after a failure the next caller must call again")
	}
	res := &bedrock.Result{Text: "{}"}
	d.finish(key, c, res, nil)
	got, first := d.join(key, "c")
	<-got.done
	if first || got.res != res || got.itemID != "b" {
		t.Errorf("third caller: first=%v, result %v from %q; want b's result", first, got.res, got.itemID)
	}
}
