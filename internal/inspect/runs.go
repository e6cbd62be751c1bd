package inspect

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/vectora/ingest-normalize/internal/ddbattr"
	"github.com/vectora/ingest-normalize/lease/claim"
)

// Batch is one batch of a run, a claim of package claim that package
// pipeline writes under pk "run#<env>#<runKey>", sk "batch#<nnnnn>".
type Batch struct {
	Index    int       `json:"index"`
	State    string    `json:"state"` // claimed, done or free
	Holder   string    `json:"holder"`
	Fence    int64     `json:"fence"`
	Items    int       `json:"items"`
	OK       int       `json:"ok"`
	Fallback int       `json:"fallback"`
	Failed   int       `json:"failed"`
	Claimed  time.Time `json:"claimed_at"`
	Finished time.Time `json:"finished_at"` // done_at or free_at; zero while claimed
}

// Run is the batches of one run of one environment, by index.
type Run struct {
	Env     string  `json:"env"`
	Key     string  `json:"run_key"`
	Batches []Batch `json:"batches"`
}

// Tally counts batches and items of a run, or of one holder in it.
type Tally struct {
	Batches  map[string]int `json:"batches"` // by state
	Items    int            `json:"items"`
	OK       int            `json:"ok"`
	Fallback int            `json:"fallback"`
	Failed   int            `json:"failed"`
}

// Runs groups the snapshot's batch items by run, sorted by environment and
// run key.
func (t Table) Runs() []Run {
	byPK := map[string]*Run{}
	for _, item := range t.Items {
		pk, sk := str(item[ddbattr.PK]), str(item[ddbattr.SK])
		rest, ok := strings.CutPrefix(pk, "run#")
		idx, isBatch := strings.CutPrefix(sk, "batch#")
		if !ok || !isBatch {
			continue
		}
		r := byPK[pk]
		if r == nil {
			env, key, _ := strings.Cut(rest, "#")
			r = &Run{Env: env, Key: key}
			byPK[pk] = r
		}
		r.Batches = append(r.Batches, decodeBatch(item, idx))
	}
	out := make([]Run, 0, len(byPK))
	for _, r := range byPK {
		sort.Slice(r.Batches, func(i, j int) bool { return r.Batches[i].Index < r.Batches[j].Index })
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Env < out[j].Env || out[i].Env == out[j].Env && out[i].Key < out[j].Key
	})
	return out
}

func decodeBatch(item map[string]types.AttributeValue, idx string) Batch {
	i, _ := strconv.Atoi(idx)
	st := claim.Decode(item)
	return Batch{Index: i, State: st.State, Holder: st.Holder, Fence: st.Fence, Items: st.Items,
		OK: st.Counts.OK, Fallback: st.Counts.Fallback, Failed: st.Counts.Failed,
		Claimed: st.ClaimedAt, Finished: st.MarkedAt}
}

// Tally counts the whole run.
func (r Run) Tally() Tally { return tally(r.Batches, func(Batch) bool { return true }) }

// ByHolder counts the run's batches by the holder that last claimed them.
func (r Run) ByHolder() map[string]Tally {
	out := map[string]Tally{}
	for _, b := range r.Batches {
		if _, ok := out[b.Holder]; !ok {
			out[b.Holder] = tally(r.Batches, func(x Batch) bool { return x.Holder == b.Holder })
		}
	}
	return out
}

func tally(bs []Batch, keep func(Batch) bool) Tally {
	t := Tally{Batches: map[string]int{}}
	for _, b := range bs {
		if !keep(b) {
			continue
		}
		t.Batches[b.State]++
		t.Items += b.Items
		t.OK += b.OK
		t.Fallback += b.Fallback
		t.Failed += b.Failed
	}
	return t
}
