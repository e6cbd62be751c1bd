package emulator

import (
	"hash/fnv"
	"time"

	"github.com/vectora/ingest-normalize/internal/seeded"
)

// duration returns the emulated latency of a call with in input and out
// output tokens whose prompt hashes to h. The jitter factor lies in
// [1-Jitter/3, 1+Jitter] with median 1, skewed towards the slow side like
// the latencies measured on Bedrock.
func (l Latency) duration(in, out int, h uint64) time.Duration {
	d := time.Duration(l.FirstToken) + time.Duration(in)*time.Duration(l.InputToken)
	if l.DecodeRate > 0 {
		d += time.Duration(float64(out) / l.DecodeRate * float64(time.Second))
	}
	u := seeded.Fraction(h)
	f := 1 - l.Jitter/3 + 4*l.Jitter/3*u*u
	return time.Duration(float64(d) * f)
}

// hashText returns a stable 64-bit hash of the parts.
func hashText(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}
