package bench

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/vectora/ingest-normalize/bedrock/emulator"
	"github.com/vectora/ingest-normalize/normalize/item"
)

// Config is one benchmark suite.
type Config struct {
	Items      []item.Raw // raw items; those the Lambda refuses are left out
	MaxItems   int        // first n usable items; 0 = all
	Compare    int        // K of the strategy comparison (3)
	Sweep      []int      // K values of the sweep; empty = no sweep
	Scale      float64    // time scale of the emulator and every clock
	Quota      emulator.Quota
	BurstMS    int64         // budget burst (the Lambda's QUOTA_BURST_MS)
	Workers    int           // workers of an uncoordinated invocation (4)
	WorkerCap  int           // the Lambda's WORKER_CAP
	ClaimBatch int           // the Lambda's CLAIM_BATCH
	MaxTokens  int           // max_tokens of every strategy
	MaxHolders int           // lease holders of the coordinated scope; 0 = unlimited
	LeaseTTL   time.Duration // the Lambda's LEASE_TTL; 0 = the lease package's default
	SweepCap   time.Duration // emulated cap of an uncoordinated sweep run (K > Compare)
	Pooling    bool          // also run coordinated with budget.WithBatch(1)
	Strategies []string      // strategies of the comparison; empty = all four
	Caching    bool          // also compare coordinated with and without prompt caching
	// Beside are the other applications coordinated runs at K = Compare
	// are measured beside ("beside another application"); empty = none.
	Beside []emulator.Tenant
	Log    io.Writer // progress lines
}

// Results are the metrics of a suite.
type Results struct {
	Config  Config
	Compare []Metrics // the strategies at K = Config.Compare
	Sweep   []Metrics // coordinated and seed-uncoordinated at each K
	NoPool  *Metrics  // coordinated at K = Compare with budget.WithBatch(1)
	Cache   *CacheComparison
	Beside  []Beside // coordinated at K = Compare beside each of Config.Beside
	Source  string   // where the items came from
}

// Beside is a coordinated run beside another application on the quota.
type Beside struct {
	Other emulator.Tenant
	Metrics
	// LeftUtilization is the tokens settled per minute over the backlog
	// window ÷ the capacity the other application left then.
	LeftUtilization float64
}

// Run runs the suite.
func Run(ctx context.Context, cfg Config) (*Results, error) {
	e, err := newEnv(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer e.close()
	res := &Results{Config: cfg}
	k := cfg.Compare
	strategies := cfg.Strategies
	if len(strategies) == 0 {
		strategies = []string{Coordinated, SeedUncoordinated, SeedReserved1, SDKAdaptive}
	}
	for _, st := range strategies {
		m, err := e.run(ctx, scenario{strategy: st, k: k, label: st})
		if err != nil {
			return nil, err
		}
		res.Compare = append(res.Compare, m)
	}
	if cfg.Pooling {
		m, err := e.run(ctx, scenario{strategy: Coordinated, k: k, batch: 1, label: "coordinated, WithBatch(1)"})
		if err != nil {
			return nil, err
		}
		res.NoPool = &m
	}
	if cfg.Caching {
		if res.Cache, err = e.compareCaching(ctx, k); err != nil {
			return nil, err
		}
	}
	for _, other := range cfg.Beside {
		m, err := e.run(ctx, scenario{strategy: Coordinated, k: k, other: other, label: "coordinated beside " + tenantLabel(other)})
		if err != nil {
			return nil, err
		}
		res.Beside = append(res.Beside, Beside{Other: other, Metrics: m, LeftUtilization: m.Utilization / leftShare(other, m)})
	}
	for _, kk := range cfg.Sweep {
		for _, st := range []string{Coordinated, SeedUncoordinated} {
			if m, ok := res.find(st, kk); ok {
				res.Sweep = append(res.Sweep, m)
				continue
			}
			s := scenario{strategy: st, k: kk, label: st}
			if st == SeedUncoordinated && kk > k {
				s.cap = cfg.SweepCap
			}
			m, err := e.run(ctx, s)
			if err != nil {
				return nil, err
			}
			res.Sweep = append(res.Sweep, m)
		}
	}
	return res, nil
}

// tenantLabel names another application: its share, and when it starts
// and stops if it does.
func tenantLabel(o emulator.Tenant) string {
	s := fmt.Sprintf("%.0f %%", 100*o.Share)
	if o.Start > 0 {
		s += fmt.Sprintf(" from %v", time.Duration(o.Start))
	}
	if o.Stop > 0 {
		s += fmt.Sprintf(" until %v", time.Duration(o.Stop))
	}
	return s
}

// leftShare is the average share of the quota the other application left
// over the run's backlog window (emulated time from the start).
func leftShare(o emulator.Tenant, m Metrics) float64 {
	end := m.Makespan
	if end <= 0 {
		return 1 - o.Share
	}
	from, to := time.Duration(o.Start), end
	if o.Stop > 0 {
		to = min(to, time.Duration(o.Stop))
	}
	drawn := max(to-from, 0)
	return 1 - o.Share*float64(drawn)/float64(end)
}

func (r *Results) find(strategy string, k int) (Metrics, bool) {
	for _, m := range r.Compare {
		if m.Strategy == strategy && m.K == k {
			return m, true
		}
	}
	return Metrics{}, false
}

// run runs one scenario and computes its metrics.
func (e *env) run(ctx context.Context, s scenario) (Metrics, error) {
	begin := time.Now()
	var out outcome
	var err error
	if s.strategy == Coordinated {
		out, err = e.runCoordinated(ctx, s)
	} else {
		out, err = e.runSeed(ctx, s)
	}
	if err != nil {
		return Metrics{}, fmt.Errorf("bench: %s K=%d: %w", s.label, s.k, err)
	}
	st := e.emu.Stats().Models[ModelID]
	emu := emuSample{admitted: st.Admitted, throttled: st.Throttled.Tokens + st.Throttled.Requests + st.Throttled.Day,
		settled: st.TokensSettled, perMinute: st.SettledPerMinute}
	m := Compute(s, len(e.items), e.want(), out.calls, emu, out.wall, e.cfg.Scale, float64(e.cfg.Quota.TPM))
	m.Finished = out.finished
	m.FailedItems = max(0, m.FailedItems-sharedCalls(out.resps)) // their answer came from an identical prompt
	m.BudgetWrites = out.budget.Writes
	m.DDBKinds = out.ddbKinds
	for i, r := range out.resps {
		if r != nil {
			m.DynamoDB += r.DynamoDBRequests
		}
		if err := out.errs[i]; err != nil {
			e.logf("  invocation %d: %v", i, err)
		}
	}
	if out.ddb > m.DynamoDB {
		m.DynamoDB = out.ddb // requests outside Run's context (none expected) count too
	}
	if out.ddbKinds != "" {
		e.logf("  DynamoDB requests: %s; budget writes %d (refused %d), reads %d", out.ddbKinds,
			out.budget.Writes, out.budget.Conflicts, out.budget.Reads)
	}
	m.DDBPerItem = ratio(float64(m.DynamoDB), float64(m.Items))
	m.DDBPerCall = ratio(float64(m.DynamoDB), float64(m.Calls))
	e.logf("%-28s K=%-2d makespan %6.2f min  throttles %5.1f %%  util %5.1f %%  ok %d/%d  ddb/call %.2f  (%.0fs wall)",
		s.label, s.k, m.Makespan.Minutes(), 100*m.ThrottleRate, 100*m.Utilization, m.OKCalls, m.Calls, m.DDBPerCall,
		time.Since(begin).Seconds())
	return m, nil
}

func (e *env) logf(format string, args ...any) {
	if e.cfg.Log != nil {
		fmt.Fprintf(e.cfg.Log, format+"\n", args...)
	}
}

// want counts the items behind each recorded prompt.
func (e *env) want() map[string]int {
	keys, w := newRecorder(e.items).items, map[string]int{}
	for _, it := range e.items {
		w[keys[it.prompt.User]]++
	}
	return w
}
