package claim

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
	"github.com/vectora/ingest-normalize/lease"
)

// DynamoDB is the part of the DynamoDB API a Set calls. *dynamodb.Client
// satisfies it.
type DynamoDB interface {
	lease.DynamoDB // the claims are written through the holder's lease
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

var _ DynamoDB = (*dynamodb.Client)(nil)

// DefaultRetention is how long claim items stay before DynamoDB's TTL may
// collect them.
const DefaultRetention = 7 * 24 * time.Hour

// Set is the claims of one partition (pk) of the coordination table, taken
// by one lease. Set is safe for concurrent use.
type Set struct {
	db     DynamoDB
	table  string
	pk     string
	lease  *lease.Lease
	leases *lease.Manager
	clock  clock.Clock
	retain time.Duration
	scope  bool // claims record the lease's scope
}

// Option configures a Set; options are checked by NewSet.
type Option func(*Set)

// WithClock sets the clock of the instants the claims record and of
// liveness (default clock.System); give it the lease manager's clock.
func WithClock(c clock.Clock) Option { return func(s *Set) { s.clock = c } }

// WithRetention sets how long claim items stay in the table before
// DynamoDB's TTL may collect them (default DefaultRetention).
func WithRetention(d time.Duration) Option { return func(s *Set) { s.retain = d } }

// WithScope makes every claim record the lease's scope, so that liveness
// is judged in that scope whoever reads the claim.
func WithScope() Option { return func(s *Set) { s.scope = true } }

// NewSet returns the claims of partition pk of table, taken by l; m is
// the manager that issued l, whose liveness rule the Set applies.
func NewSet(db DynamoDB, table, pk string, l *lease.Lease, m *lease.Manager, opts ...Option) (*Set, error) {
	s := &Set{db: db, table: table, pk: pk, lease: l, leases: m, clock: clock.System, retain: DefaultRetention}
	for _, o := range opts {
		o(s)
	}
	switch {
	case db == nil || l == nil || m == nil:
		return nil, errors.New("claim: DynamoDB, lease and lease manager are all required")
	case table == "" || pk == "":
		return nil, errors.New("claim: table and partition key must not be empty")
	case s.clock == nil || s.retain <= 0:
		return nil, errors.New("claim: a clock and a positive retention are required")
	}
	return s, nil
}

// Lease returns the lease the Set claims with.
func (s *Set) Lease() *lease.Lease { return s.lease }

func (s *Set) key(sk string) map[string]types.AttributeValue { return ddbattr.Key(s.pk, sk) }
