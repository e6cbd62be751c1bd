package seeded

import "testing"

func TestUniformIsReproducibleAndSpread(t *testing.T) {
	const n = 100_000
	var below float64
	for i := uint64(0); i < n; i++ {
		u := Uniform(7, i, 1)
		if u != Uniform(7, i, 1) {
			t.Fatalf("draw %d is not reproducible", i)
		}
		if u < 0 || u >= 1 {
			t.Fatalf("draw %d = %v, outside [0, 1)", i, u)
		}
		if u < 0.3 {
			below++
		}
	}
	if f := below / n; f < 0.29 || f > 0.31 {
		t.Errorf("%.3f of draws below 0.3, want about 0.3", f)
	}
	if Uniform(7, 1, 1) == Uniform(7, 1, 2) || Uniform(7, 1, 1) == Uniform(8, 1, 1) {
		t.Error("kinds or seeds do not change the draw")
	}
}

func TestPick(t *testing.T) {
	for _, c := range []struct {
		u    float64
		want int
	}{{0, 0}, {0.09, 0}, {0.1, 1}, {0.29, 1}, {0.31, -1}, {0.99, -1}} {
		if got := Pick(c.u, 0.1, 0.2); got != c.want {
			t.Errorf("Pick(%v, 0.1, 0.2) = %d, want %d", c.u, got, c.want)
		}
	}
}
