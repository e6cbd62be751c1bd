package faultproxy_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbretry"
	"github.com/vectora/ingest-normalize/internal/faultproxy"
)

// slowFirst is an upstream whose first TransactWriteItems waits for
// release while the others are answered at once.
type slowFirst struct {
	http.Handler
	once             sync.Once
	arrived, release chan struct{}
}

func (s *slowFirst) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if faultproxy.Operation(r) == "TransactWriteItems" {
		s.once.Do(func() { close(s.arrived); <-s.release })
	}
	s.Handler.ServeHTTP(w, r)
}

// TestOverlappingWritesConflict: while a transaction is being applied, a
// transaction on one of its items is cancelled with TransactionConflict on
// it and a single-item write to it fails with TransactionConflictException;
// other items are not affected.
func TestOverlappingWritesConflict(t *testing.T) {
	ctx := context.Background()
	slow := &slowFirst{arrived: make(chan struct{}), release: make(chan struct{})}
	p, via, direct, _ := setupWith(t, inProcess(func(h http.Handler) http.Handler { slow.Handler = h; return slow }),
		faultproxy.Rates{}, faultproxy.WithOverlapConflicts())
	first := make(chan error, 1)
	go func() { first <- transact(ctx, via, "t1", "a", "b") }()
	<-slow.arrived
	err := transact(ctx, via, "t2", "c", "b")
	if rs := ddbretry.Reasons(err); len(rs) != 2 || aws.ToString(rs[1].Code) != "TransactionConflict" || aws.ToString(rs[0].Code) != "None" {
		t.Errorf("overlapping transaction: %v, want TransactionConflict on item 1", err)
	}
	var conflict *types.TransactionConflictException
	if err := put(ctx, via, "a"); !errors.As(err, &conflict) {
		t.Errorf("single-item write to an item being transacted: %v, want TransactionConflictException", err)
	}
	if err := put(ctx, via, "other"); err != nil {
		t.Errorf("write to another item: %v", err)
	}
	close(slow.release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := transact(ctx, via, "t3", "c", "b"); err != nil {
		t.Errorf("after the first was applied: %v", err)
	}
	if n := count(t, direct, "b"); n != "2" || p.Stats().Overlaps != 2 {
		t.Errorf("b applied %s times (want 2), stats %+v", n, p.Stats())
	}
}
