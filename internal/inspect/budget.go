package inspect

import (
	"sort"

	"github.com/vectora/ingest-normalize/lease/budget"
)

// Budgets decodes every budget row of the snapshot, through their owner
// (package lease/budget), by quota.
func (t Table) Budgets() ([]budget.Row, error) {
	var out []budget.Row
	for _, item := range t.Items {
		row, ok, err := budget.DecodeRow(item)
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, row)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Quota < out[j].Quota })
	return out, nil
}
