package ingest

import (
	"testing"

	"github.com/vectora/ingest-normalize/internal/ddbtest"
)

// TestClaimConflictIsRetried: with one transaction in two cancelled for a
// conflict, every source is still claimed, fetched and written.
func TestClaimConflictIsRetried(t *testing.T) {
	e := newEnv(t)
	e.configure(e.sources)
	db := &ddbtest.Conflicts{DynamoDB: e.db, Every: 2}
	rep, err := e.run(e.ingesterOn(db), wholeWindow())
	if err != nil {
		t.Fatal(err)
	}
	canceled, calls := db.Counts()
	t.Logf("%d of %d transactions cancelled; report %+v", canceled, calls, rep.Sources)
	if rep.Ingested != len(e.sources) || rep.Failed+rep.Skipped != 0 || canceled == 0 {
		t.Errorf("ingested %d of %d, failed %d, skipped %d; %d transactions cancelled", rep.Ingested, len(e.sources), rep.Failed, rep.Skipped, canceled)
	}
}
