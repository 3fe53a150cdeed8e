package main

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/cgru/cgru/model"
)

// The figures of `cgru report`, drawn with gonum/plot. Each draw function
// writes one figure in format ("png" or "svg") to w.

var (
	colLoss  = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff} // blue
	colNorm  = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff} // red
	colVal   = color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff} // green
	colMark  = color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff} // orange
	colGrey  = color.Gray{Y: 0x99}
	kindCols = map[model.Kind]color.Color{model.SGRU: colLoss, model.CGRU: colNorm}
)

// drawStack draws plots one above the other, x axes aligned, and writes
// the figure.
func drawStack(plots []*plot.Plot, width, height vg.Length, format string, w io.Writer) error {
	c, err := draw.NewFormattedCanvas(width, height, format)
	if err != nil {
		return err
	}
	grid := make([][]*plot.Plot, len(plots))
	for i, p := range plots {
		grid[i] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2,
		PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4, PadY: vg.Millimeter * 3}
	canvases := plot.Align(grid, tiles, draw.New(c))
	for i, p := range plots {
		p.Draw(canvases[i][0])
	}
	_, err = c.WriteTo(w)
	return err
}

// distinctTicks are gonum/plot's default ticks with the major labels
// written with the fewest significant digits (up to 10) that write every
// tick's value exactly (to 1e-9 of the range), hence distinct: on a short
// run the default's labels of a narrow range repeat ("14 14 14 14" for
// 13.7–13.85, "1.9 2 2" for 1.9–2.0), and fewer digits would misplace a
// tick (0.95 written 0.9).
type distinctTicks struct{}

func (distinctTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	var major []int
	for i, t := range ts {
		if t.Label != "" {
			major = append(major, i)
		}
	}
	for digits := 1; digits <= 10; digits++ {
		labels := make([]string, len(major))
		ok := true
		for k, i := range major {
			v := ts[i].Value
			if math.Abs(v) < 1e-9*(hi-lo) {
				v = 0 // rounding noise of a tick at zero
			}
			labels[k] = tickLabel(v, digits)
			if w, err := strconv.ParseFloat(labels[k], 64); err != nil || math.Abs(w-v) > 1e-9*(hi-lo) {
				ok = false
			}
			if k > 0 && labels[k] == labels[k-1] {
				ok = false
			}
		}
		if ok {
			for k, i := range major {
				ts[i].Label = labels[k]
			}
			break
		}
	}
	return ts
}

// tickLabel writes v with digits significant digits, in plain notation
// (120, not 1.2e+02) unless v is tiny or huge.
func tickLabel(v float64, digits int) string {
	a := math.Abs(v)
	if v == 0 || a < 1e-4 || a >= 1e6 {
		return strconv.FormatFloat(v, 'g', digits, 64)
	}
	decimals := max(0, digits-1-int(math.Floor(math.Log10(a))))
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// linearText writes a + b·x with the sign of b as an operator: "21.29 −
// 3.835·‖W_hc‖", not "21.29 -3.835·‖W_hc‖" (verb: the format of a and |b|,
// e.g. "%.4g").
func linearText(a, b float64, verb, x string) string {
	op := "+"
	if b < 0 || (b == 0 && math.Signbit(b)) {
		op = "−"
	}
	return fmt.Sprintf(verb+" %s "+verb+"·%s", a, op, math.Abs(b), x)
}

func line(xy plotter.XYs, col color.Color, width vg.Length) (*plotter.Line, error) {
	l, err := plotter.NewLine(xy)
	if err != nil {
		return nil, err
	}
	l.Color, l.Width = col, width
	return l, nil
}

func points(xy plotter.XYs, col color.Color, shape draw.GlyphDrawer, radius vg.Length) (*plotter.Scatter, error) {
	s, err := plotter.NewScatter(xy)
	if err != nil {
		return nil, err
	}
	s.GlyphStyle = draw.GlyphStyle{Color: col, Radius: radius, Shape: shape}
	return s, nil
}

// drawFig2a: loss, coupling norm (CGRU) and validation accuracy per epoch,
// with the epochs where the validation accuracy improved marked.
func drawFig2a(m *reportModel, format string, w io.Writer) error {
	h := m.Run.History
	type series struct {
		name string
		col  color.Color
		val  func(model.EpochRecord) float64
	}
	ss := []series{{"training loss", colLoss, func(r model.EpochRecord) float64 { return r.Loss }}}
	// "||", not "‖": the figures' font has no U+2016 (it drew "l").
	if m.Kind == model.CGRU {
		ss = append(ss, series{"coupling norm ||W_hc||_F", colNorm, func(r model.EpochRecord) float64 { return r.CouplingNorm }})
	}
	if h[0].ValAcc >= 0 {
		ss = append(ss, series{"validation 1-NN accuracy", colVal, func(r model.EpochRecord) float64 { return r.ValAcc }})
	}
	var plots []*plot.Plot
	for i, s := range ss {
		p := plot.New()
		if i == 0 {
			p.Title.Text = fmt.Sprintf("%s training (%s): %s\n● epochs where validation accuracy improved",
				strings.ToUpper(string(m.Kind)), m.Path, lossText(m.Run))
		}
		p.Y.Label.Text = s.name
		p.Y.Tick.Marker = distinctTicks{}
		if i == len(ss)-1 {
			p.X.Label.Text = "epoch"
		}
		p.Add(plotter.NewGrid())
		var all, imp plotter.XYs
		for _, r := range h {
			pt := plotter.XY{X: float64(r.Epoch), Y: s.val(r)}
			all = append(all, pt)
			if r.Improved {
				imp = append(imp, pt)
			}
		}
		l, err := line(all, s.col, vg.Points(1.5))
		if err != nil {
			return err
		}
		p.Add(l)
		if len(imp) > 0 {
			sc, err := points(imp, colMark, draw.CircleGlyph{}, vg.Points(3))
			if err != nil {
				return err
			}
			p.Add(sc)
		}
		plots = append(plots, p)
	}
	return drawStack(plots, 8*vg.Inch, vg.Length(2.2*float64(len(plots)))*vg.Inch, format, w)
}

// drawFig2b: loss against coupling norm for every epoch, the early phase
// highlighted, with its least-squares line and r.
func drawFig2b(m *reportModel, fit fig2bFit, format string, w io.Writer) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("CGRU (%s): loss vs coupling norm; epochs %d–%d: r = %.3f", m.Path, fit.FirstEpoch, fit.LastEpoch, fit.R)
	p.X.Label.Text = "coupling norm ||W_hc||_F"
	p.Y.Label.Text = "training loss"
	p.X.Tick.Marker, p.Y.Tick.Marker = distinctTicks{}, distinctTicks{}
	p.Add(plotter.NewGrid())
	var early, late plotter.XYs
	lo, hi := 0.0, 0.0
	for i, r := range m.Run.History {
		pt := plotter.XY{X: r.CouplingNorm, Y: r.Loss}
		if i < fit.EpochsInTrue {
			early = append(early, pt)
			if i == 0 || pt.X < lo {
				lo = pt.X
			}
			if i == 0 || pt.X > hi {
				hi = pt.X
			}
		} else {
			late = append(late, pt)
		}
	}
	if len(late) > 0 {
		s, err := points(late, colGrey, draw.RingGlyph{}, vg.Points(2.5))
		if err != nil {
			return err
		}
		p.Add(s)
		p.Legend.Add("later epochs", s)
	}
	s, err := points(early, colLoss, draw.CircleGlyph{}, vg.Points(3))
	if err != nil {
		return err
	}
	p.Add(s)
	p.Legend.Add(fmt.Sprintf("early phase (epochs %d–%d)", fit.FirstEpoch, fit.LastEpoch), s)
	l, err := line(plotter.XYs{{X: lo, Y: fit.Intercept + fit.Slope*lo}, {X: hi, Y: fit.Intercept + fit.Slope*hi}}, colNorm, vg.Points(1.5))
	if err != nil {
		return err
	}
	p.Add(l)
	p.Legend.Add(fmt.Sprintf("loss = %s, r = %.3f", linearText(fit.Intercept, fit.Slope, "%.4g", "norm"), fit.R), l)
	p.Legend.Top = true
	return drawStack([]*plot.Plot{p}, 7*vg.Inch, 5*vg.Inch, format, w)
}

// drawFig3: mean positive and negative pair distance against the noise σ.
func drawFig3(n *noiseResult, format string, w io.Writer) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Distances under Gaussian white noise (%s, %d positive + %d negative pairs)", n.Dataset, n.NPos, n.NNeg)
	p.X.Label.Text = "noise σ"
	p.Y.Label.Text = "mean pair distance"
	p.X.Tick.Marker, p.Y.Tick.Marker = distinctTicks{}, distinctTicks{}
	p.Add(plotter.NewGrid())
	labels := noiseLabels(n)
	for k, m := range n.Models {
		col := kindCols[m.Kind]
		if col == nil || k >= 2 {
			col = plotutilColor(k)
		}
		for _, side := range []struct {
			name string
			val  []float64
			dash []vg.Length
		}{{"positive", m.MeanPos, nil}, {"negative", m.MeanNeg, []vg.Length{vg.Points(5), vg.Points(3)}}} {
			xy := make(plotter.XYs, len(n.Sigmas))
			for i, s := range n.Sigmas {
				xy[i] = plotter.XY{X: s, Y: side.val[i]}
			}
			l, sc, err := plotter.NewLinePoints(xy)
			if err != nil {
				return err
			}
			l.Color, l.Width, l.Dashes = col, vg.Points(1.5), side.dash
			sc.Color, sc.Radius = col, vg.Points(2.5)
			p.Add(l, sc)
			p.Legend.Add(fmt.Sprintf("%s %s pairs (%s)", strings.ToUpper(labels[k]), side.name, m.Model), l, sc)
		}
	}
	p.Legend.Top = false // bottom right: both curves are above it at large σ
	return drawStack([]*plot.Plot{p}, 8*vg.Inch, 5*vg.Inch, format, w)
}

func plotutilColor(k int) color.Color {
	cs := []color.Color{colLoss, colNorm, colVal, colMark, color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}}
	return cs[k%len(cs)]
}

// confusionGrid is a confusion matrix as a heat map: the colour is the
// row-normalised fraction (recall of the true class), true class 0 on top.
type confusionGrid struct{ m [][]int }

func (g confusionGrid) Dims() (c, r int) { return len(g.m), len(g.m) }
func (g confusionGrid) Z(c, r int) float64 {
	row := g.m[len(g.m)-1-r]
	n := 0
	for _, v := range row {
		n += v
	}
	if n == 0 {
		return 0
	}
	return float64(row[c]) / float64(n)
}
func (g confusionGrid) X(c int) float64 { return float64(c) }
func (g confusionGrid) Y(r int) float64 { return float64(r) }

// blues is a white-to-blue palette.
type blues []color.Color

func (b blues) Colors() []color.Color { return b }

func bluePalette(n int) blues {
	p := make(blues, n)
	for i := range p {
		f := float64(i) / float64(n-1)
		p[i] = color.RGBA{R: uint8(247 - f*(247-8)), G: uint8(251 - f*(251-48)), B: uint8(255 - f*(255-107)), A: 0xff}
	}
	return p
}

// drawConfusion: the confusion matrix of an evaluation, counts in the cells.
func drawConfusion(e *reportEval, format string, w io.Writer) error {
	n := len(e.Confusion)
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s, %s split: acc %.3f, F1 %.3f, MAP %.3f (refs %s)", strings.ToUpper(e.Label), e.Split, e.Accuracy, e.MacroF1, e.MAP, refsCell(e))
	p.X.Label.Text = "predicted class"
	p.Y.Label.Text = "true class"
	grid := confusionGrid{e.Confusion}
	hm := plotter.NewHeatMap(grid, bluePalette(64))
	hm.Min, hm.Max = 0, 1
	p.Add(hm)
	var xy plotter.XYs
	var text []string
	for t, row := range e.Confusion {
		for c, v := range row {
			xy = append(xy, plotter.XY{X: float64(c), Y: float64(n - 1 - t)})
			text = append(text, fmt.Sprint(v))
		}
	}
	labels, err := plotter.NewLabels(plotter.XYLabels{XYs: xy, Labels: text})
	if err != nil {
		return err
	}
	for i := range labels.TextStyle {
		labels.TextStyle[i].XAlign, labels.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
		if grid.Z(int(xy[i].X), int(xy[i].Y)) > 0.55 {
			labels.TextStyle[i].Color = color.White
		}
	}
	p.Add(labels)
	xt, yt := make([]plot.Tick, n), make([]plot.Tick, n)
	for c := range n {
		name := classOf(e.ClassNames, c)
		xt[c] = plot.Tick{Value: float64(c), Label: shortClass(name)}
		yt[c] = plot.Tick{Value: float64(n - 1 - c), Label: shortClass(name)}
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.ConstantTicks(xt), plot.ConstantTicks(yt)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5, -0.5, float64(n)-0.5
	p.X.Padding, p.Y.Padding = 0, 0
	return drawStack([]*plot.Plot{p}, 7*vg.Inch, 6*vg.Inch, format, w)
}

// shortClass shortens the UCI HAR class names for axis ticks.
func shortClass(s string) string {
	s = strings.ReplaceAll(s, "WALKING_", "WALK_")
	s = strings.ReplaceAll(s, "UPSTAIRS", "UP")
	s = strings.ReplaceAll(s, "DOWNSTAIRS", "DOWN")
	return s
}
