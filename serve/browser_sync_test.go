package main

// The Synchronization panel in headless Chromium: its λ_max is the number
// cgru sync lyapunov prints for the same weights, moving the coupling
// control changes the error curve (locked above the threshold, apart
// below, equal to cgru sync pair's), and the trained-CGRU view renders
// cgru sync gate's figures for a model file.

import (
	"encoding/json"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cgru/cgru/internal/browsertest"
)

// runJSON runs the command-line tool and decodes its --json output.
func runJSON[T any](t *testing.T, args ...string) T {
	t.Helper()
	out, err := exec.Command(cgruBinary(t, true), args...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("cgru %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	var v T
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("cgru %s: %v", strings.Join(args, " "), err)
	}
	return v
}

// slide moves a range control to v as a user's drag ends there (the
// panel listens to "input").
func (p *page) slide(id string, v float64) {
	p.t.Helper()
	p.eval(fmt.Sprintf(`const e = document.getElementById(%q); e.value = %q; e.dispatchEvent(new Event("input", {bubbles: true}))`, id, strconv.FormatFloat(v, 'g', -1, 64)))
}

// shownLambda waits until the panel shows λ_max for gain and inits and
// returns it at full precision and as shown.
func shownLambda(p *page, gain float64, inits int) (float64, string) {
	p.t.Helper()
	cond := fmt.Sprintf(`(() => { const e = document.getElementById("sync-lambda"); return e.dataset.gain === %q && e.dataset.inits === "%d" && [e.dataset.lambda, e.textContent] })()`,
		strconv.FormatFloat(gain, 'g', -1, 64), inits)
	v := browsertest.Wait[[]string](p.b, time.Minute, cond)
	f, err := strconv.ParseFloat(v[0], 64)
	if err != nil {
		p.t.Fatalf("data-lambda %q: %v", v[0], err)
	}
	return f, v[1]
}

type lyapJSON struct {
	Gains     []float64 `json:"gains"`
	LambdaMax []float64 `json:"lambda_max"`
	Threshold []float64 `json:"threshold"`
}

func TestSyncPanel(t *testing.T) {
	srv := builtSite(t, nil)
	p := openPage(t, srv, false, "#sync")

	// λ_max live: the page's number is cgru sync lyapunov's for the same
	// hidden size, seed and gain, to every digit, with one initial state
	// and (the command's default) five.
	lam75, text75 := shownLambda(p, 7.5, 1)
	p.slide("sync-gain", 6.5)
	lam65, text65 := shownLambda(p, 6.5, 1)
	one := runJSON[lyapJSON](t, "sync", "lyapunov", "--hidden", "20", "--seed", "1", "--gains", "6.5,7.5", "--inits", "1", "--steps", "5000", "--transient", "1000", "--json")
	for i, c := range []struct {
		lam  float64
		text string
	}{{lam65, text65}, {lam75, text75}} {
		want := one.LambdaMax[i]
		t.Logf("gain %g: the page shows λ_max %s (%v), cgru sync lyapunov --inits 1 %v", one.Gains[i], c.text, c.lam, want)
		if c.lam != want || c.text != fmt.Sprintf("%.5f", want) {
			t.Errorf("gain %g: the page shows %s (%v), cgru sync lyapunov prints %.5f (%v)", one.Gains[i], c.text, c.lam, want, want)
		}
	}
	if lam75 <= 0 || lam65 == lam75 {
		t.Errorf("λ_max %v at 7.5 (want > 0), %v at 6.5", lam75, lam65)
	}
	if cmd := browsertest.Eval[string](p.b, 10*time.Second, `document.getElementById("sync-command").textContent`); cmd != "cgru sync lyapunov --hidden 20 --seed 1 --gains 6.5 --inits 1 --steps 5000 --transient 1000" {
		t.Errorf("the command shown: %q", cmd)
	}
	p.eval(`const s = document.getElementById("sync-inits"); s.value = "5"; s.dispatchEvent(new Event("change"))`)
	lam5, text5 := shownLambda(p, 6.5, 5)
	five := runJSON[lyapJSON](t, "sync", "lyapunov", "--hidden", "20", "--seed", "1", "--gains", "6.5", "--json")
	if lam5 != five.LambdaMax[0] || text5 != fmt.Sprintf("%.5f", five.LambdaMax[0]) {
		t.Errorf("5 initial states: the page shows %s (%v), cgru sync lyapunov --gains 6.5 prints %v", text5, lam5, five.LambdaMax[0])
	}
	p.eval(`const s = document.getElementById("sync-inits"); s.value = "1"; s.dispatchEvent(new Event("change"))`)

	// The coupling control: below the threshold the copies stay apart,
	// above it they lock; the curves are cgru sync pair's.
	p.slide("sync-gain", 7.5)
	shownLambda(p, 7.5, 1)
	cstar := browsertest.Wait[string](p.b, time.Minute, `!document.getElementById("sync-cstar-mark").hidden && document.getElementById("sync-cstar-mark").dataset.c`)
	if c, _ := strconv.ParseFloat(cstar, 64); c != one.Threshold[1] {
		t.Errorf("c* marked at %s, cgru sync lyapunov's threshold %v", cstar, one.Threshold[1])
	}
	curve := func(c float64) []float64 {
		t.Helper()
		p.slide("sync-coupling", c)
		browsertest.Wait[bool](p.b, time.Minute, fmt.Sprintf(`document.getElementById("sync-error-chart").dataset.coupling === %q`, strconv.FormatFloat(c, 'g', -1, 64)))
		return evalJSON[[]float64](p, `cgruApp.panels.get("sync").drawn.pair.error`)
	}
	below, above := curve(0.02), curve(0.1)
	pair := runJSON[struct {
		Error [][]float64 `json:"error"`
	}](t, "sync", "pair", "--hidden", "20", "--seed", "1", "--gain", "7.5", "--coupling", "0.02,0.1", "--steps", "500", "--lyapunov-steps", "5000", "--json")
	t.Logf("c* = %s; final error at c = 0.02: %.3g, at c = 0.1: %.3g", cstar, below[500], above[500])
	if len(below) != 501 || below[500] < 1e-3 || above[500] >= 1e-6 {
		t.Errorf("final error %g at c = 0.02 (want apart), %g at c = 0.1 (want < 1e-6)", below[500], above[500])
	}
	if !slices.Equal(below, pair.Error[0]) || !slices.Equal(above, pair.Error[1]) {
		t.Errorf("the page's error curves differ from cgru sync pair's")
	}
	if s := browsertest.Eval[string](p.b, 10*time.Second, `document.getElementById("sync-pair-state").dataset.synced`); s != "true" {
		t.Errorf("at c = 0.1 the panel says synced = %s", s)
	}
	// The sweep ran for this gain, with the same threshold.
	sweep := browsertest.Wait[string](p.b, time.Minute, `cgruApp.panels.get("sync").drawn.sweep?.gain === 7.5 && document.getElementById("sync-sweep-chart").dataset.threshold`)
	if c, _ := strconv.ParseFloat(sweep, 64); c != one.Threshold[1] {
		t.Errorf("the sweep's threshold %s, cgru's %v", sweep, one.Threshold[1])
	}
	p.screenshot("sync")

	// Following a slider: 30 positions, one an animation frame (a quick
	// drag of about half a second), for the gain (λ_max, the pair and the
	// sweep) and for the coupling (the pair). Measured, not asserted but
	// for the last position being drawn: how many answers were drawn
	// during the drag, the worker's time per answer, and how long after
	// the last move its answer was drawn.
	type follow struct {
		Drawn  int       `json:"drawn"`
		LagMS  float64   `json:"lag_ms"`
		WorkMS []float64 `json:"work_ms"`
	}
	drag := func(id, handler, doneExpr string, from, step float64) follow {
		return evalJSON[follow](p, fmt.Sprintf(`(async () => {
			const panel = cgruApp.panels.get("sync"), el = document.getElementById(%q);
			let drawn = 0; const work = [];
			const orig = panel[%q];
			panel[%q] = (r, a) => { drawn++; work.push(r.ms); orig.call(panel, r, a) };
			const frame = () => new Promise(r => requestAnimationFrame(r));
			for (let i = 0; i < 30; i++) { el.value = String(%v + i * %v); el.dispatchEvent(new Event("input")); await frame() }
			const moved = performance.now(), last = el.value;
			while (!(%s)) await new Promise(r => setTimeout(r, 2));
			const lag = performance.now() - moved;
			panel[%q] = orig;
			return {drawn, lag_ms: lag, work_ms: work};
		})()`, id, handler, handler, from, step, doneExpr, handler))
	}
	gainDrag := drag("sync-gain", "onLyapunov", `document.getElementById("sync-lambda").dataset.gain === String(Number(last))`, 5, 0.1)
	// The sweep of the last gain runs after the gain rests: let it end, so
	// that the coupling's figures are the pair's alone.
	browsertest.Wait[bool](p.b, time.Minute, `(() => { const s = cgruApp.panels.get("sync"); return s.drawn.sweep && s.drawn.sweep.gain === s.s.gain && !s.lanes.sweep.busy() })()`)
	cDrag := drag("sync-coupling", "onPair", `document.getElementById("sync-error-chart").dataset.coupling === String(Number(last))`, 0, 0.005)
	for _, d := range []struct {
		name string
		f    follow
	}{{"gain (λ_max)", gainDrag}, {"coupling (pair of 500 steps)", cDrag}} {
		w := slices.Clone(d.f.WorkMS)
		slices.Sort(w)
		med := math.NaN()
		if len(w) > 0 {
			med = w[len(w)/2]
		}
		t.Logf("dragging the %s over 30 frames: %d answers drawn, worker %.1f ms each (median), the last drawn %.0f ms after the last move", d.name, d.f.Drawn, med, d.f.LagMS)
		if d.f.Drawn < 1 {
			t.Errorf("dragging the %s: nothing drawn", d.name)
		}
	}
	writeMetric(t, "sync_follow", map[string]any{"gain": gainDrag, "coupling": cDrag})
	p.slide("sync-coupling", 0.1)

	// The trained-CGRU view: the paper's weak-init CGRU as a model file of
	// the panel; its λ_max and its gate on the embedded test pairs are
	// cgru sync's.
	modelPath, err := filepath.Abs("../docs/results/cgru-weak.json")
	if err != nil {
		t.Fatal(err)
	}
	p.b.Run(20*time.Second, chromedp.SetUploadFiles(chromedp.CSS("#sync-model-file"), []string{modelPath}))
	lamFile := browsertest.Wait[string](p.b, time.Minute, `(() => { const e = document.getElementById("sync-lambda"); return e.dataset.network === '{"source":"file"}' && e.dataset.gain === "1" && e.dataset.lambda })()`)
	trained := runJSON[lyapJSON](t, "sync", "lyapunov", "--model", modelPath, "--gains", "1", "--inits", "1", "--steps", "5000", "--transient", "1000", "--json")
	if f, _ := strconv.ParseFloat(lamFile, 64); f != trained.LambdaMax[0] {
		t.Errorf("cgru-weak.json: the page's λ_max %s, cgru sync lyapunov's %v", lamFile, trained.LambdaMax[0])
	}
	gate := browsertest.Wait[map[string]string](p.b, 2*time.Minute, `(() => { const e = document.getElementById("sync-gate-verdict"); return e && e.textContent.includes("cgru-weak.json") && {...e.dataset} })()`)
	cli := runJSON[struct {
		GateAUC  float64 `json:"gate_auc"`
		Positive struct {
			MeanGate float64 `json:"mean_gate"`
		} `json:"positive"`
		Negative struct {
			MeanGate float64 `json:"mean_gate"`
		} `json:"negative"`
	}](t, "sync", "gate", "--model", modelPath, "--data", "embedded", "--pairs-per-class", "20", "--seed", "1", "--json")
	for _, c := range []struct {
		name string
		want float64
	}{{"auc", cli.GateAUC}, {"pos", cli.Positive.MeanGate}, {"neg", cli.Negative.MeanGate}} {
		got, _ := strconv.ParseFloat(gate[c.name], 64)
		// The CPU engine's float64 step, in wasm and natively: equal to
		// rounding.
		if math.Abs(got-c.want) > 1e-9*max(1, math.Abs(c.want)) {
			t.Errorf("gate view %s: page %v, cgru sync gate %v", c.name, got, c.want)
		}
	}
	t.Logf("cgru-weak.json on the embedded test pairs: mean gate %s (positive) vs %s (negative), gate AUC %s", gate["pos"], gate["neg"], gate["auc"])
	if n := evalJSON[int](p, `cgruApp.panels.get("sync").gateChart.points()`); n != 128 {
		t.Errorf("the gate chart has %d steps, want 128", n)
	}
	p.screenshot("sync-gate")

	// A reload keeps the panel's settings and its model file, and the
	// training settings of the last visit (the hash names only the panel's).
	p.eval(`await cgruApp.store.put("config", {...cgruApp.state.config, epochs: 7})`)
	p.b.Run(30*time.Second, chromedp.Reload())
	p.ready()
	got := evalJSON[[]any](p, `(() => { const s = cgruApp.panels.get("sync"); return [s.s.net, s.s.gain, s.s.c, s.model && s.model.name, cgruApp.state.config.epochs, location.hash] })()`)
	if fmt.Sprint(got[:5]) != "[file 1 0.1 cgru-weak.json 7]" || !strings.Contains(fmt.Sprint(got[5]), "sync_net=file") {
		t.Errorf("after a reload: %v", got)
	}
	p.noProblems("the Synchronization panel")
}
