package inspect

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/vectora/ingest-normalize/internal/localaws"
	"github.com/vectora/ingest-normalize/lease"
)

// TestReadTableSeesHolders reads the holders of a scope as the lease
// package writes them, skipping its sentinel, before and after release.
func TestReadTableSeesHolders(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(localaws.DynamoDBHandler())
	defer srv.Close()
	cfg, err := localaws.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db := localaws.DynamoDB(cfg, srv.URL)
	if err := lease.CreateTable(ctx, db, "t"); err != nil {
		t.Fatal(err)
	}
	m, err := lease.NewManager(db, "t", lease.WithMaxHolders(0))
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Acquire(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Acquire(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	tab, err := ReadTable(ctx, db, "t")
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Holders) != 2 || tab.Holders[0].ID != a.Holder() || tab.Holders[1].Fence != b.Fence() ||
		!tab.Holders[0].Expires.Equal(a.Expires().Truncate(1000)) || tab.Scopes["s"] != int(b.Fence()) || tab.Kinds["scope"] != 1 {
		t.Fatalf("table = %+v, want holders %s and %s", tab, a.Holder(), b.Holder())
	}
	for _, l := range []*lease.Lease{a, b} {
		if err := l.Release(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if tab, err = ReadTable(ctx, db, "t"); err != nil || len(tab.Holders) != 0 {
		t.Fatalf("after release: %+v, %v", tab.Holders, err)
	}
}
