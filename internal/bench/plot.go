package bench

import (
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// plots writes tokens-per-minute.png, throttle-vs-k.png and
// utilization-vs-k.png into dir.
func (r *Results) plots(dir string) error {
	if err := r.tokensPlot(filepath.Join(dir, "tokens-per-minute.png")); err != nil {
		return err
	}
	if len(r.Sweep) == 0 {
		return nil
	}
	if err := r.sweepPlot(filepath.Join(dir, "throttle-vs-k.png"), "Bedrock throttle rate against K", "throttled ÷ requests",
		func(m Metrics) float64 { return m.ThrottleRate }); err != nil {
		return err
	}
	return r.sweepPlot(filepath.Join(dir, "utilization-vs-k.png"), "Quota utilization against K", "settled tokens per minute ÷ TPM",
		func(m Metrics) float64 { return m.Utilization })
}

// tokensPlot draws the emulator's settled tokens per emulated minute of
// each strategy at K = Compare, with the quota as a line.
func (r *Results) tokensPlot(path string) error {
	p := plot.New()
	p.Title.Text = "Settled tokens per emulated minute (K = " + itoa(r.Config.Compare) + ")"
	p.X.Label.Text = "emulated minute"
	p.Y.Label.Text = "settled tokens"
	var vs []any
	last := 1
	for _, m := range r.Compare {
		pts := make(plotter.XYs, len(m.SettledPerMin))
		for i, v := range m.SettledPerMin {
			pts[i] = plotter.XY{X: float64(i) + 0.5, Y: float64(v)}
		}
		last = max(last, len(pts))
		vs = append(vs, m.Label, pts)
	}
	vs = append(vs, "quota (TPM)", plotter.XYs{{X: 0, Y: float64(r.Config.Quota.TPM)}, {X: float64(last), Y: float64(r.Config.Quota.TPM)}})
	if err := plotutil.AddLinePoints(p, vs...); err != nil {
		return err
	}
	p.Legend.Top = true
	return p.Save(8*vg.Inch, 4.5*vg.Inch, path)
}

// sweepPlot draws y against K for each strategy of the sweep.
func (r *Results) sweepPlot(path, title, ylabel string, y func(Metrics) float64) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "K concurrent invocations (log scale)"
	p.Y.Label.Text = ylabel
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	var vs []any
	for _, st := range []string{Coordinated, SeedUncoordinated} {
		var pts plotter.XYs
		for _, m := range r.Sweep {
			if m.Strategy == st {
				pts = append(pts, plotter.XY{X: float64(m.K), Y: y(m)})
			}
		}
		vs = append(vs, st, pts)
	}
	if err := plotutil.AddLinePoints(p, vs...); err != nil {
		return err
	}
	p.Y.Min = 0
	p.Legend.Top = true
	return p.Save(6*vg.Inch, 4*vg.Inch, path)
}
