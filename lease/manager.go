package lease

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/clock"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
	"github.com/vectora/ingest-normalize/internal/ddbretry"
)

// Manager hands out leases on scopes of one coordination table. A scope
// admits at most a configured number of concurrent holders. Manager is safe
// for concurrent use; one Manager serves every invocation of a process.
type Manager struct {
	db                          DynamoDB
	table                       string
	max                         int
	ttl, heartbeat, skew, grace time.Duration
	pollMin, pollMax            time.Duration
	clock                       clock.Clock
}

// NewManager returns a Manager for table, or a *ConfigError naming the
// first invalid option.
func NewManager(db DynamoDB, table string, opts ...Option) (*Manager, error) {
	m := &Manager{db: db, table: table, max: 1, ttl: DefaultTTL,
		skew: DefaultSkew, grace: 2 * time.Second,
		pollMin: 50 * time.Millisecond, pollMax: time.Second, clock: clock.System}
	for _, o := range opts {
		o(m)
	}
	if m.heartbeat == 0 && m.ttl > 0 {
		m.heartbeat = m.ttl / 2
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// AcquireOption configures one Acquire or TryAcquire call.
type AcquireOption func(*acquireCall)

type acquireCall struct{ name string }

// As names the holder, for example with the Lambda request id. Random hex
// is appended so that two acquisitions never share a holder id.
func As(name string) AcquireOption { return func(c *acquireCall) { c.name = name } }

// Acquire takes a slot of scope, waiting with jittered polls while every
// slot is held, until a slot frees or ctx ends. The lease is renewed in the
// background until Release, and never past ctx's deadline plus the grace.
func (m *Manager) Acquire(ctx context.Context, scope string, opts ...AcquireOption) (*Lease, error) {
	return m.acquire(ctx, scope, false, opts)
}

// TryAcquire is Acquire without waiting: when every slot is held it returns
// a *HeldError saying who holds what until when.
func (m *Manager) TryAcquire(ctx context.Context, scope string, opts ...AcquireOption) (*Lease, error) {
	return m.acquire(ctx, scope, true, opts)
}

func (m *Manager) acquire(ctx context.Context, scope string, once bool, opts []AcquireOption) (*Lease, error) {
	if scope == "" {
		return nil, configErr("scope", "empty: name the scope, for example ingest-normalize/dev")
	}
	call := acquireCall{name: defaultName()}
	for _, o := range opts {
		o(&call)
	}
	holder := call.name + "-" + ddbattr.Token(4)
	rec, err := m.read(ctx, scope)
	for poll, lost := m.pollMin, 0; err == nil; {
		plan := planAcquire(rec, m.clock.Now(), m.max, m.skew)
		if !plan.full {
			var l *Lease
			if l, rec, err = m.claim(ctx, scope, holder, rec, plan); l != nil || err != nil {
				return l, err
			}
			// Another acquisition moved the fence first. Back off a
			// random while, longer after each loss, so that many
			// acquirers starting at once do not all retry together
			// (30 at once made about 130 refused writes).
			lost++
			err = m.sleep(ctx, rand.N(m.pollMin<<min(lost, 5)))
			continue
		}
		if once {
			return nil, &HeldError{Scope: scope, Max: m.max, Holders: plan.live}
		}
		if err = m.sleep(ctx, m.pollDelay(poll, plan.earliest)); err == nil {
			poll = min(2*poll, m.pollMax)
			rec, err = m.read(ctx, scope)
		}
	}
	return nil, fmt.Errorf("lease: acquire %s: %w", scope, err)
}

// pollDelay is a full-jitter wait of at most poll, and no longer than until
// the earliest live holder may be replaced.
func (m *Manager) pollDelay(poll time.Duration, earliest time.Time) time.Duration {
	if until := earliest.Sub(m.clock.Now()); until > 0 && until < poll {
		poll = until + time.Millisecond
	}
	return poll/2 + rand.N(poll/2+1)
}

func (m *Manager) sleep(ctx context.Context, d time.Duration) error {
	return clock.Sleep(ctx, m.clock, d)
}

// Holders returns the scope's fence and every holder entry in the table,
// live or past its expiry, soonest expiry first: what an observer (or
// leasectl) sees. It is one strongly consistent read.
func (m *Manager) Holders(ctx context.Context, scope string) (fence int64, holders []Holder, err error) {
	rec, err := m.read(ctx, scope)
	if err != nil {
		return 0, nil, fmt.Errorf("lease: read %s: %w", scope, err)
	}
	v := rec.view(scope)
	return v.Fence, v.Holders, nil
}

// Live reports whether h may still act at now, given the skew margin.
func (m *Manager) Live(h Holder, now time.Time) bool { return !h.Expires.Add(m.skew).Before(now) }

// read returns the scope record, strongly consistent.
func (m *Manager) read(ctx context.Context, scope string) (scopeRecord, error) {
	out, err := m.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(m.table), Key: scopeKey(scope), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return scopeRecord{}, err
	}
	return decodeScope(out.Item)
}

// claim writes holder into a free slot in one conditional write: it bumps
// the fence, removes the dead holders the plan names and adds this one, on
// condition that no other acquisition happened since rec was read and that
// each removed entry still has the expiry read (a late renewal of a holder
// judged dead makes the write fail: the plan is made again). It returns
// the lease, or the record to plan again with.
func (m *Manager) claim(ctx context.Context, scope, holder string, rec scopeRecord, plan acquirePlan) (*Lease, scopeRecord, error) {
	now := m.clock.Now()
	expires := m.capExpiry(ctx, now.Add(m.ttl))
	h := holderRecord{Fence: rec.Fence + 1, Acquired: micros(now), Renewed: micros(now), Expires: micros(expires)}
	in := m.claimInput(scope, holder, rec, plan.removals(m.max), h)
	_, err := m.db.UpdateItem(ctx, in, ddbretry.NoSDKRetry)
	if err == nil {
		return m.newLease(ctx, scope, holder, h), rec, nil
	}
	var failed *types.ConditionalCheckFailedException
	switch ddbretry.Classify(err) {
	case ddbretry.Refused:
		if !errors.As(err, &failed) {
			return nil, rec, err // invalid: trying again cannot help
		}
		fresh, derr := decodeScope(failed.Item)
		return m.adopt(ctx, scope, holder, fresh), fresh, derr
	case ddbretry.NotApplied:
		return nil, rec, nil
	}
	// The write may have been applied although it reports a failure: look.
	fresh, rerr := m.read(ctx, scope)
	if rerr != nil {
		return nil, rec, errors.Join(err, rerr)
	}
	return m.adopt(ctx, scope, holder, fresh), fresh, nil
}

// adopt returns a lease when rec shows that this holder's own write was
// applied after all (an ambiguous failure), else nil.
func (m *Manager) adopt(ctx context.Context, scope, holder string, rec scopeRecord) *Lease {
	if h, ok := rec.Holders[holder]; ok {
		return m.newLease(ctx, scope, holder, h)
	}
	return nil
}

// claimInput builds the conditional write of claim.
func (m *Manager) claimInput(scope, holder string, rec scopeRecord, remove []Holder, h holderRecord) *dynamodb.UpdateItemInput {
	hv, _ := marshalHolder(h)
	names := map[string]string{"#f": "fence", "#m": "max_holders", "#hs": "holders", "#id": holder}
	values := map[string]types.AttributeValue{":f": ddbattr.N(h.Fence), ":m": ddbattr.N(int64(m.max))}
	in := &dynamodb.UpdateItemInput{
		TableName: aws.String(m.table), Key: scopeKey(scope),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		ExpressionAttributeNames:            names, ExpressionAttributeValues: values,
	}
	values[":rec"] = hv
	if !rec.exists {
		delete(names, "#id")
		values[":rec"] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{holder: hv, sentinel: ddbattr.N(0)}}
		in.UpdateExpression = aws.String("SET #f = :f, #m = :m, #hs = :rec")
		in.ConditionExpression = aws.String("attribute_not_exists(" + ddbattr.PK + ")")
		return in
	}
	values[":prev"] = ddbattr.N(rec.Fence)
	expr, cond := "SET #f = :f, #m = :m, #hs.#id = :rec", "#f = :prev"
	for i, x := range remove {
		n, v := fmt.Sprintf("#x%03d", i), fmt.Sprintf(":x%03d", i)
		names[n], names["#e"], values[v] = x.ID, "expires", ddbattr.N(micros(x.Expires))
		if i == 0 {
			expr += " REMOVE "
		} else {
			expr += ", "
		}
		expr += "#hs." + n
		cond += " AND #hs." + n + ".#e = " + v
	}
	in.UpdateExpression, in.ConditionExpression = aws.String(expr), aws.String(cond)
	return in
}

// capExpiry keeps an expiry within the invocation's deadline plus grace.
func (m *Manager) capExpiry(ctx context.Context, t time.Time) time.Time {
	if d, ok := ctx.Deadline(); ok {
		if limit := m.clock.Now().Add(clock.FromWall(m.clock, time.Until(d)) + m.grace); limit.Before(t) {
			return limit
		}
	}
	return t
}

func defaultName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}
