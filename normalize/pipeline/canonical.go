package pipeline

import (
	"context"

	"github.com/vectora/ingest-normalize/normalize"
)

// canonical returns the embedded lists overridden by the objects under
// canonical/ in the config bucket; a missing object keeps the default.
func (p *Pipeline) canonical(ctx context.Context) (normalize.Canonical, error) {
	files := map[string][]byte{}
	for _, name := range normalize.CanonicalFiles() {
		key, err := normalize.CanonicalKey(name)
		if err != nil {
			return normalize.Canonical{}, err
		}
		data, err := getObject(ctx, p.s3, p.configBucket, key, normalize.MaxCanonicalFileBytes)
		if isStatus(err, 404) {
			continue
		}
		if err != nil {
			return normalize.Canonical{}, err
		}
		files[name] = data
	}
	return normalize.LoadCanonical(files)
}
