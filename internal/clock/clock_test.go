package clock

import (
	"testing"
	"time"
)

func TestConversions(t *testing.T) {
	s := Scaled{Epoch: time.Now(), Scale: 20}
	for _, tc := range []struct {
		name     string
		c        Clock
		wall, on time.Duration
	}{
		{"system", System, time.Second, time.Second},
		{"scaled", s, time.Second, 20 * time.Second},
		{"scaled pointer", &s, time.Second, 20 * time.Second},
	} {
		if got := FromWall(tc.c, tc.wall); got != tc.on {
			t.Errorf("%s: FromWall(%v) = %v, want %v", tc.name, tc.wall, got, tc.on)
		}
		if got := Wall(tc.c, tc.on); got != tc.wall {
			t.Errorf("%s: Wall(%v) = %v, want %v", tc.name, tc.on, got, tc.wall)
		}
	}
}

func TestScaledRunsFaster(t *testing.T) {
	c := Scaled{Epoch: time.Now(), Scale: 1000}
	start := c.Now()
	<-c.After(2 * time.Second) // 2 ms of wall time
	if got := c.Now().Sub(start); got < 2*time.Second {
		t.Fatalf("After(2s) returned after %v of scaled time", got)
	}
}
