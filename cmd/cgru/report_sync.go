package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cgru/cgru/model"
	"github.com/cgru/cgru/model/dynamics"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The synchronization lab's part of `cgru report`: the JSON outputs of
// `cgru sync … --json` given to --sync, one figure (PNG and SVG) each, and
// a section of report.md.

// syncFile is one output of cgru sync, read back.
type syncFile struct {
	Path       string           `json:"path"`
	Label      string           `json:"label"` // figure name: the file's base name, prefixed "sync-" if it is not
	Experiment string           `json:"experiment"`
	Lyapunov   *lyapunovResult  `json:"lyapunov,omitempty"`
	Pair       *pairResult      `json:"pair,omitempty"`
	Threshold  *thresholdResult `json:"threshold,omitempty"`
	Gate       *gateResult      `json:"gate,omitempty"`
}

// logFloor replaces errors of exactly 0 on logarithmic axes (copies that
// became bitwise equal).
const logFloor = 1e-17

func readSyncFile(path string) (*syncFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseSyncFile(b, path)
}

// parseSyncFile parses and checks the output of cgru sync … --json; path
// names it in errors and figures.
func parseSyncFile(b []byte, path string) (*syncFile, error) {
	var head struct {
		Experiment string `json:"experiment"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("%s: %v", path, model.JSONError(b, err))
	}
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if !strings.HasPrefix(base, "sync-") {
		base = "sync-" + base
	}
	f := &syncFile{Path: path, Label: base, Experiment: head.Experiment}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%s: %s", path, fmt.Sprintf(format, a...))
	}
	decode := func(v any) error {
		if err := json.Unmarshal(b, v); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return bad("%s: %s where %s is wanted", te.Field, te.Value, te.Type)
			}
			return bad("%v", err)
		}
		return nil
	}
	switch head.Experiment {
	case "lyapunov":
		f.Lyapunov = new(lyapunovResult)
		if err := decode(f.Lyapunov); err != nil {
			return nil, err
		}
		r := f.Lyapunov
		n := len(r.Gains)
		if n == 0 || len(r.LambdaMax) != n || len(r.SD) != n || len(r.Threshold) != n {
			return nil, bad("gains, lambda_max, sd, threshold: %d, %d, %d, %d values; want the same number, at least 1",
				n, len(r.LambdaMax), len(r.SD), len(r.Threshold))
		}
		if len(r.Spectrum) != 0 && len(r.Spectrum) != n {
			return nil, bad("spectrum: %d rows for %d gains", len(r.Spectrum), n)
		}
	case "pair":
		f.Pair = new(pairResult)
		if err := decode(f.Pair); err != nil {
			return nil, err
		}
		r := f.Pair
		if r.Steps < 0 {
			return nil, bad("steps: %d, want ≥ 0", r.Steps)
		}
		if len(r.Couplings) == 0 || len(r.Error) != len(r.Couplings) || len(r.Transverse) != len(r.Couplings) {
			return nil, bad("couplings, error, transverse: %d, %d, %d; want the same number, at least 1", len(r.Couplings), len(r.Error), len(r.Transverse))
		}
		for k, e := range r.Error {
			if len(e) != r.Steps+1 {
				return nil, bad("error[%d]: %d values, want steps+1 = %d", k, len(e), r.Steps+1)
			}
		}
	case "threshold":
		f.Threshold = new(thresholdResult)
		if err := decode(f.Threshold); err != nil {
			return nil, err
		}
		r := f.Threshold
		if !(r.Tol > 0) || r.Steps < 1 {
			return nil, bad("tol %g, steps %d: want tol > 0 and steps ≥ 1", r.Tol, r.Steps)
		}
		n := len(r.Couplings)
		if n == 0 || len(r.Final) != n || len(r.Synced) != n || len(r.Rate) != n || len(r.Transverse) != n {
			return nil, bad("couplings, final, synced, rate, transverse: %d, %d, %d, %d, %d; want the same number, at least 1",
				n, len(r.Final), len(r.Synced), len(r.Rate), len(r.Transverse))
		}
	case "gate":
		f.Gate = new(gateResult)
		if err := decode(f.Gate); err != nil {
			return nil, err
		}
		r := f.Gate
		for _, s := range []struct {
			name string
			g    dynamics.GateSide
		}{{"positive", r.Positive}, {"negative", r.Negative}} {
			g := s.g
			if r.T < 1 || len(g.Gate) != r.T || len(g.Error) != r.T || len(g.ErrorGateOff) != r.T {
				return nil, bad("%s: gate, error, error_gate_off: %d, %d, %d values for T = %d", s.name, len(g.Gate), len(g.Error), len(g.ErrorGateOff), r.T)
			}
		}
	case "":
		return nil, bad("experiment: missing (not the output of cgru sync … --json)")
	default:
		return nil, bad("experiment: %q, want lyapunov, pair, threshold or gate", head.Experiment)
	}
	return f, nil
}

// labelSyncFiles makes the figure names unique.
func labelSyncFiles(fs []*syncFile) {
	seen := map[string]int{}
	for _, f := range fs {
		seen[f.Label]++
		if n := seen[f.Label]; n > 1 {
			f.Label = fmt.Sprintf("%s-%d", f.Label, n)
		}
	}
}

// drawSync draws f's figure in format to w.
func drawSync(f *syncFile, format string, w io.Writer) error {
	switch {
	case f.Lyapunov != nil:
		return drawSyncLyapunov(f.Lyapunov, format, w)
	case f.Pair != nil:
		return drawSyncPair(f.Pair, format, w)
	case f.Threshold != nil:
		return drawSyncThreshold(f.Threshold, format, w)
	default:
		return drawSyncGate(f.Gate, format, w)
	}
}

func finiteXY(xy plotter.XYs) plotter.XYs {
	var out plotter.XYs
	for _, p := range xy {
		if !math.IsNaN(p.Y) && !math.IsInf(p.Y, 0) {
			out = append(out, p)
		}
	}
	return out
}

// hline draws y = v across [x0, x1].
func hline(p *plot.Plot, x0, x1, v float64, col color.Color, dash bool) error {
	l, err := line(plotter.XYs{{X: x0, Y: v}, {X: x1, Y: v}}, col, vg.Points(1))
	if err != nil {
		return err
	}
	if dash {
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	}
	p.Add(l)
	return nil
}

// vline draws x = v across [y0, y1] and adds it to the legend.
func vline(p *plot.Plot, v, y0, y1 float64, col color.Color, name string) error {
	if math.IsNaN(v) {
		return nil
	}
	l, err := line(plotter.XYs{{X: v, Y: y0}, {X: v, Y: y1}}, col, vg.Points(1.5))
	if err != nil {
		return err
	}
	l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	p.Add(l)
	p.Legend.Add(name, l)
	return nil
}

// errBars are points with symmetric vertical error bars.
type errBars struct {
	plotter.XYs
	e []float64
}

func (b errBars) YError(i int) (float64, float64) { return b.e[i], b.e[i] }

func logY(p *plot.Plot) {
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = decadeTicks{}
}

// decadeTicks marks every power of ten and labels at most about eight of
// them (errors span up to 17 decades).
type decadeTicks struct{}

func (decadeTicks) Ticks(lo, hi float64) []plot.Tick {
	a, b := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if math.IsNaN(a) || math.IsNaN(b) || b-a > 700 { // not a range of positive floats
		return nil
	}
	step := max(1, math.Ceil((b-a)/8))
	var ts []plot.Tick
	labels := 0
	for e := a; e <= b; e++ {
		t := plot.Tick{Value: math.Pow(10, e)}
		if t.Value < lo || t.Value > hi { // a tick outside the range pads the plot
			continue
		}
		if math.Mod(e, step) == 0 {
			t.Label = strconv.FormatFloat(t.Value, 'g', -1, 64)
			labels++
		}
		ts = append(ts, t)
	}
	if labels < 2 {
		return plot.LogTicks{Prec: 2}.Ticks(lo, hi)
	}
	return ts
}

// drawSyncLyapunov: λ_max against the gain (spread over initial states as
// error bars), the diffusive threshold c* below, and the leading exponents
// of the spectrum when there is one.
func drawSyncLyapunov(r *lyapunovResult, format string, w io.Writer) error {
	g0, g1 := r.Gains[0], r.Gains[len(r.Gains)-1]
	if g1 == g0 {
		g0, g1 = g0-0.5, g1+0.5
	}
	top := plot.New()
	top.Title.Text = fmt.Sprintf("λ_max against gain: %s", r.Network)
	top.Y.Label.Text = "λ_max (nats per step)"
	top.Add(plotter.NewGrid())
	if err := hline(top, g0, g1, 0, colGrey, true); err != nil {
		return err
	}
	var xy plotter.XYs
	var sd []float64
	for i, g := range r.Gains {
		xy = append(xy, plotter.XY{X: g, Y: float64(r.LambdaMax[i])})
		s := float64(r.SD[i])
		if math.IsNaN(s) {
			s = 0
		}
		sd = append(sd, s)
	}
	l, sc, err := plotter.NewLinePoints(xy)
	if err != nil {
		return err
	}
	l.Color, l.Width, sc.Color, sc.Radius = colLoss, vg.Points(1.5), colLoss, vg.Points(2.5)
	top.Add(l, sc)
	top.Legend.Add("λ_max (mean over initial states; bars: their spread)", l, sc)
	eb, err := plotter.NewYErrorBars(errBars{xy, sd})
	if err != nil {
		return err
	}
	eb.Color = colLoss
	top.Add(eb)
	top.Legend.Top, top.Legend.Left = false, false // bottom right: λ_max is near 0 at large gains
	plots := []*plot.Plot{top}

	th := plot.New()
	th.Y.Label.Text = "c* = (1 − e^{−λ_max})/2"
	th.Add(plotter.NewGrid())
	var cxy plotter.XYs
	for i, g := range r.Gains {
		cxy = append(cxy, plotter.XY{X: g, Y: float64(r.Threshold[i])})
	}
	cl, err := line(cxy, colNorm, vg.Points(1.5))
	if err != nil {
		return err
	}
	th.Add(cl)
	plots = append(plots, th)

	if len(r.Spectrum) > 0 {
		sp := plot.New()
		sp.Y.Label.Text = "leading exponents (spectrum)"
		sp.Add(plotter.NewGrid())
		if err := hline(sp, g0, g1, 0, colGrey, true); err != nil {
			return err
		}
		k := min(4, len(r.Spectrum[0]))
		for j := 0; j < k; j++ {
			var s plotter.XYs
			for i, g := range r.Gains {
				if j < len(r.Spectrum[i]) {
					s = append(s, plotter.XY{X: g, Y: float64(r.Spectrum[i][j])})
				}
			}
			sl, err := line(finiteXY(s), plotutilColor(j), vg.Points(1.2))
			if err != nil {
				return err
			}
			sp.Add(sl)
			sp.Legend.Add(fmt.Sprintf("λ_%d", j+1), sl)
		}
		sp.Legend.Top = false
		plots = append(plots, sp)
	}
	plots[len(plots)-1].X.Label.Text = "gain on weight_hh"
	return drawStack(plots, 8*vg.Inch, vg.Length(2.6*float64(len(plots)))*vg.Inch, format, w)
}

// drawSyncPair: the synchronisation error against time, one line per c.
func drawSyncPair(r *pairResult, format string, w io.Writer) error {
	p := plot.New()
	leg := plot.NewLegend()
	start := "independent initial states"
	if r.Delta > 0 {
		start = fmt.Sprintf("h' started %g from h", r.Delta)
	}
	p.Title.Text = fmt.Sprintf("Two copies, %s coupling, gain %g: λ_max = %.4f, c* = %s (%s)",
		r.Form, r.Gain, r.LambdaMax, fmtNum(r.Threshold, "%.4f", "none"), start)
	p.X.Label.Text = "step t"
	p.Y.Label.Text = "sync error ‖h_t − h'_t‖"
	p.Add(plotter.NewGrid())
	logY(p)
	if err := hline(p, 0, float64(r.Steps), 1e-6, colGrey, true); err != nil {
		return err
	}
	for k, c := range r.Couplings {
		xy := make(plotter.XYs, len(r.Error[k]))
		for t, e := range r.Error[k] {
			xy[t] = plotter.XY{X: float64(t), Y: max(float64(e), logFloor)}
		}
		l, err := line(finiteXY(xy), plotutilColor(k), vg.Points(1.3))
		if err != nil {
			return err
		}
		p.Add(l)
		leg.Add(fmt.Sprintf("c = %g: λ_t = %s", c, fmtNum(r.Transverse[k], "%.3f", "−∞")), l)
	}
	leg.Top, leg.Left = true, true
	return drawSideLegend(p, leg, "transverse exponent λ_t", 9*vg.Inch, 5*vg.Inch, format, w)
}

// drawSideLegend draws p with its legend in a column on its right, out of
// the way of the curves, and writes the figure.
func drawSideLegend(p *plot.Plot, leg plot.Legend, heading string, width, height vg.Length, format string, w io.Writer) error {
	c, err := draw.NewFormattedCanvas(width, height, format)
	if err != nil {
		return err
	}
	dc := draw.New(c)
	side := 2.3 * vg.Inch
	pad := vg.Millimeter * 3
	p.Draw(draw.Crop(dc, pad, -side, pad, -pad))
	lc := draw.Crop(dc, width-side+pad, -pad, pad, -vg.Inch*0.6)
	if heading != "" {
		st := leg.TextStyle
		lc.FillText(st, vg.Point{X: lc.Min.X, Y: lc.Max.Y + st.Font.Size}, heading)
	}
	leg.Draw(lc)
	_, err = c.WriteTo(w)
	return err
}

// drawSyncThreshold: the final error of every run against c, with the
// theoretical and measured thresholds; below, λ⊥(c) and the measured decay
// rates.
func drawSyncThreshold(r *thresholdResult, format string, w io.Writer) error {
	c0, c1 := float64(r.Couplings[0]), float64(r.Couplings[len(r.Couplings)-1])
	top := plot.New()
	top.Title.Text = fmt.Sprintf("Synchronisation threshold, %s coupling, gain %g: theory %s, measured %s, tolerance %s",
		r.Form, r.Gain, fmtNum(r.Theory, "%.4f", "none"), fmtNum(r.Measured, "%.4f", "none"), fmtNum(r.Tolerance, "%.4f", "–"))
	top.Y.Label.Text = fmt.Sprintf("‖h − h'‖ after %d steps", r.Steps)
	top.Add(plotter.NewGrid())
	logY(top)
	var syn, not plotter.XYs
	lo, hi := math.Inf(1), math.Inf(-1)
	for k, c := range r.Couplings {
		for _, f := range r.Final[k] {
			v := max(float64(f), logFloor)
			if math.IsNaN(v) {
				continue
			}
			pt := plotter.XY{X: float64(c), Y: v}
			if r.Synced[k] {
				syn = append(syn, pt)
			} else {
				not = append(not, pt)
			}
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if math.IsInf(lo, 0) {
		lo, hi = logFloor, 1
	}
	hi = max(hi, 1)
	if err := hline(top, c0, c1, r.Tol, colGrey, true); err != nil {
		return err
	}
	for _, s := range []struct {
		xy    plotter.XYs
		col   color.Color
		shape draw.GlyphDrawer
		name  string
	}{{not, colNorm, draw.RingGlyph{}, "runs at a c that does not synchronise"}, {syn, colVal, draw.CircleGlyph{}, fmt.Sprintf("runs at a c where all end below %g", r.Tol)}} {
		if len(s.xy) == 0 {
			continue
		}
		sc, err := points(s.xy, s.col, s.shape, vg.Points(2.5))
		if err != nil {
			return err
		}
		top.Add(sc)
		top.Legend.Add(s.name, sc)
	}
	if err := vline(top, float64(r.Theory), lo, hi, colLoss, "theory c*"); err != nil {
		return err
	}
	if err := vline(top, float64(r.Measured), lo, hi, colMark, "measured"); err != nil {
		return err
	}
	top.Legend.Top = true

	bot := plot.New()
	bot.X.Label.Text = "coupling c"
	bot.Y.Label.Text = "transverse exponent"
	bot.Add(plotter.NewGrid())
	if err := hline(bot, c0, c1, 0, colGrey, true); err != nil {
		return err
	}
	var theory, rate plotter.XYs
	for k, c := range r.Couplings {
		theory = append(theory, plotter.XY{X: float64(c), Y: float64(r.Transverse[k])})
		rate = append(rate, plotter.XY{X: float64(c), Y: float64(r.Rate[k])})
	}
	theory, rate = finiteXY(theory), finiteXY(rate)
	if len(theory) > 0 {
		l, err := line(theory, colLoss, vg.Points(1.5))
		if err != nil {
			return err
		}
		bot.Add(l)
		bot.Legend.Add("theory: computed along the synchronised orbit", l)
	}
	if len(rate) > 0 {
		sc, err := points(rate, colMark, draw.CircleGlyph{}, vg.Points(2.5))
		if err != nil {
			return err
		}
		bot.Add(sc)
		bot.Legend.Add("measured decay rate of ln‖h − h'‖", sc)
	}
	bot.Legend.Top = true
	return drawStack([]*plot.Plot{top, bot}, 8*vg.Inch, 7*vg.Inch, format, w)
}

// drawSyncGate: a trained CGRU's mean gate per step for positive and
// negative pairs, and their sync errors with the gate and with it off.
func drawSyncGate(r *gateResult, format string, w io.Writer) error {
	top := plot.New()
	top.Title.Text = fmt.Sprintf("%s on %s (%s split): %d positive, %d negative pairs; gate AUC %.3f",
		r.Model, r.Dataset, r.Split, r.Positive.Pairs, r.Negative.Pairs, r.GateAUC)
	top.Y.Label.Text = "mean coupling gate c_t"
	top.Add(plotter.NewGrid())
	bot := plot.New()
	bot.X.Label.Text = "step t"
	bot.Y.Label.Text = "sync error ‖h_t − h'_t‖"
	bot.Add(plotter.NewGrid())
	series := func(v []float64) plotter.XYs {
		xy := make(plotter.XYs, len(v))
		for t, y := range v {
			xy[t] = plotter.XY{X: float64(t + 1), Y: y}
		}
		return finiteXY(xy)
	}
	for _, s := range []struct {
		name string
		g    dynamics.GateSide
		col  color.Color
	}{{"positive pairs", r.Positive, colVal}, {"negative pairs", r.Negative, colNorm}} {
		l, err := line(series(s.g.Gate), s.col, vg.Points(1.5))
		if err != nil {
			return err
		}
		top.Add(l)
		top.Legend.Add(fmt.Sprintf("%s (mean %.3f)", s.name, s.g.MeanGate), l)
		on, err := line(series(s.g.Error), s.col, vg.Points(1.5))
		if err != nil {
			return err
		}
		off, err := line(series(s.g.ErrorGateOff), s.col, vg.Points(1.2))
		if err != nil {
			return err
		}
		off.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		bot.Add(on, off)
		bot.Legend.Add(s.name+", learned gate", on)
		bot.Legend.Add(s.name+", gate forced to 0", off)
	}
	top.Legend.Top = true
	bot.Legend.Top, bot.Legend.Left = true, true
	return drawStack([]*plot.Plot{top, bot}, 8*vg.Inch, 7*vg.Inch, format, w)
}

// writeSyncMD writes the synchronization lab's section of report.md.
func writeSyncMD(w io.Writer, files []*syncFile) {
	if len(files) == 0 {
		return
	}
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("\n## Synchronization lab\n\n")
	p("Outputs of `cgru sync`; exponents in nats per step. The diffusive coupling h_{t+1} = (1−c)F(h_t) + cF(h'_t) synchronises when λ⊥ = λ_max + ln|1−2c| < 0, i.e. above c* = (1 − e^{−λ_max})/2 (model/dynamics). On logarithmic axes an error of exactly 0 (copies that became bitwise equal) is drawn at 1e-17.\n\n")
	for _, f := range files {
		switch {
		case f.Lyapunov != nil:
			r := f.Lyapunov
			p("### λ_max against gain (%s, figure %s)\n\n%s; %d steps after %d discarded; %d initial states per gain.\n\n", f.Path, f.Label, r.Network, r.Steps, r.Transient, r.Inits)
			p("| gain | λ_max | spread (sd over initial states) | c* |\n|---:|---:|---:|---:|\n")
			for i, g := range r.Gains {
				p("| %g | %s | %s | %s |\n", g, fmtNum(r.LambdaMax[i], "%.4f", "–"), fmtNum(r.SD[i], "%.4f", "–"), fmtNum(r.Threshold[i], "%.4f", "–"))
			}
			p("\n")
		case f.Pair != nil:
			r := f.Pair
			p("### Coupled pair (%s, figure %s)\n\n%s, gain %g, %s coupling: λ_max = %.4f ± %.4f, c* = %s.\n\n", f.Path, f.Label, r.Network, r.Gain, r.Form, r.LambdaMax, r.StdErr, fmtNum(r.Threshold, "%.4f", "none"))
			p("| c | λ⊥ | error at t=0 | error at t=%d |\n|---:|---:|---:|---:|\n", r.Steps)
			for k, c := range r.Couplings {
				p("| %g | %s | %.3g | %.3g |\n", c, fmtNum(r.Transverse[k], "%.4f", "−∞"), r.Error[k][0], r.Error[k][r.Steps])
			}
			p("\n")
		case f.Threshold != nil:
			r := f.Threshold
			verdict := "agree"
			if !r.Agree {
				verdict = "do not agree"
			}
			p("### Threshold sweep (%s, figure %s)\n\n%s, gain %g, %s coupling, %d runs of %d steps per c, synchronised below %g.\n\n", f.Path, f.Label, r.Network, r.Gain, r.Form, r.Runs, r.Steps, r.Tol)
			p("| λ_max | theory c* | measured | tolerance | verdict |\n|---:|---:|---:|---:|---|\n")
			p("| %.4f ± %.4f | %s | %s | %s | %s |\n\n", r.LambdaMax, r.StdErr, fmtNum(r.Theory, "%.4f", "none"), fmtNum(r.Measured, "%.4f", "none"), fmtNum(r.Tolerance, "%.4f", "–"), verdict)
		case f.Gate != nil:
			r := f.Gate
			p("### The learned gate on real pairs (%s, figure %s)\n\n%s on the %s split of %s, %d positive and %d negative pairs (%d per class each, seed %d).\n\n",
				f.Path, f.Label, r.Model, r.Split, r.Dataset, r.Positive.Pairs, r.Negative.Pairs, r.PairsPerClass, r.Seed)
			p("| pairs | mean gate | mean distance | distance, gate off |\n|---|---:|---:|---:|\n")
			p("| positive | %.4f | %.4f | %.4f |\n| negative | %.4f | %.4f | %.4f |\n\n", r.Positive.MeanGate, r.Positive.Distance, r.Positive.DistanceGateOff,
				r.Negative.MeanGate, r.Negative.Distance, r.Negative.DistanceGateOff)
			p("Gate AUC (a positive pair's mean gate above a negative pair's) %.4f (± %.4f by chance); distance AUC %.4f with the gate, %.4f with it off.\n\n",
				r.GateAUC, r.GateAUCNullSE, r.DistanceAUC, r.DistanceAUCGateOff)
		}
	}
}
