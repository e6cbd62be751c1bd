package lease_test

import (
	"context"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/vectora/ingest-normalize/lease"
)

// network stands between a holder and DynamoDB and does to its requests
// what a real network does and the local servers never do: it fails them
// before they reach the table, or holds one while the others go on and
// delivers it late — applied by the table even when the sender has given up
// on it. Each request is matched by the first rule that takes it. It is
// safe for concurrent use.
type network struct {
	lease.DynamoDB
	mu    sync.Mutex
	rules []*rule
}

// rule acts on the requests match accepts, count times (0: always).
type rule struct {
	match     func(op, expr string) bool
	fail      error         // answered without reaching the table
	failAfter error         // applied by the table, then answered with this error
	hold      chan struct{} // closed to deliver the held request
	held      chan struct{} // closed when a request is held
	done      chan struct{} // closed when the held request was applied (or refused)
	after     func()        // run once the request was answered, before the sender sees it
	count     int
	used      int
}

// add appends r; first puts it before the others.
func (n *network) add(r *rule) *rule   { return n.insert(r, false) }
func (n *network) first(r *rule) *rule { return n.insert(r, true) }

func (n *network) insert(r *rule, front bool) *rule {
	if r.hold != nil {
		r.held, r.done = make(chan struct{}), make(chan struct{})
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if front {
		n.rules = append([]*rule{r}, n.rules...)
	} else {
		n.rules = append(n.rules, r)
	}
	return r
}

func (n *network) take(op, expr string) *rule {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, r := range n.rules {
		if (r.count == 0 || r.used < r.count) && r.match(op, expr) {
			r.used++
			return r
		}
	}
	return nil
}

// through applies a rule to one request; send forwards it on ctx.
func through[T any](ctx context.Context, n *network, op, expr string, send func(context.Context) (T, error)) (T, error) {
	r := n.take(op, expr)
	var zero T
	switch {
	case r == nil:
		return send(ctx)
	case r.fail != nil:
		return zero, r.fail
	case r.hold != nil:
		return held(ctx, r, send)
	}
	out, err := send(ctx)
	if r.after != nil {
		r.after()
	}
	if r.failAfter != nil {
		return zero, r.failAfter
	}
	return out, err
}

// held keeps the request in the network until r.hold is closed: the table
// applies it then, whether or not the sender gave up on it meanwhile (its
// context ending returns an error to the sender at once).
func held[T any](ctx context.Context, r *rule, send func(context.Context) (T, error)) (T, error) {
	type answer struct {
		out T
		err error
	}
	ch := make(chan answer, 1)
	close(r.held)
	go func() {
		<-r.hold
		out, err := send(context.WithoutCancel(ctx))
		close(r.done)
		ch <- answer{out, err}
	}()
	select {
	case a := <-ch:
		return a.out, a.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

func (n *network) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return through(ctx, n, "UpdateItem", aws.ToString(in.UpdateExpression), func(c context.Context) (*dynamodb.UpdateItemOutput, error) {
		return n.DynamoDB.UpdateItem(c, in, o...)
	})
}

func (n *network) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return through(ctx, n, "GetItem", "", func(c context.Context) (*dynamodb.GetItemOutput, error) {
		return n.DynamoDB.GetItem(c, in, o...)
	})
}

func (n *network) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return through(ctx, n, "TransactWriteItems", "", func(c context.Context) (*dynamodb.TransactWriteItemsOutput, error) {
		return n.DynamoDB.TransactWriteItems(c, in, o...)
	})
}

// Matchers of the lease's own writes, by their update expression.
func renewals(op, expr string) bool {
	return op == "UpdateItem" && strings.HasPrefix(expr, "SET #hs.#id.#e")
}
func releases(op, expr string) bool {
	return op == "UpdateItem" && strings.HasPrefix(expr, "REMOVE #hs.#id")
}
func reads(op, _ string) bool        { return op == "GetItem" }
func transactions(op, _ string) bool { return op == "TransactWriteItems" }
func acquisitions(op, expr string) bool {
	return op == "UpdateItem" && strings.HasPrefix(expr, "SET #f = :f")
}
