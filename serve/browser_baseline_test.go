package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cgru/cgru/internal/browsertest"
)

// TestPageBaselines runs DTW and RVSML-DTW 1-NN in the page (the
// Baselines part of the Evaluate panel) on the embedded data with 2
// references per activity (RVSML trained on 12 windows per activity) and
// checks their figures against cgru baseline on the same data, references
// and training windows; then the networks' evaluation with the same
// settings beside them, the results kept across a reload, the cost notes,
// and the cancel button on a long RVSML-OPW run.
func TestPageBaselines(t *testing.T) {
	srv := builtSite(t, nil)
	p := openPage(t, srv, false, "#evaluate")

	// DTW is ticked by default, the RVSML methods are not; their cost on
	// this data is measured in the page.
	if got := evalJSON[[]bool](p, `["dtw", "rvsml-dtw", "rvsml-opw"].map(m => document.getElementById("bl-" + m).checked)`); fmt.Sprint(got) != "[true false false]" {
		t.Errorf("methods ticked: %v, want DTW only", got)
	}
	browsertest.Wait[bool](p.b, time.Minute, `["dtw", "rvsml-dtw", "rvsml-opw"].every(m => document.getElementById("bl-cost-" + m).textContent.startsWith("≈"))`)
	for _, m := range []string{"dtw", "rvsml-dtw", "rvsml-opw"} {
		t.Logf("cost note of %s: %s", m, browsertest.Eval[string](p.b, 10*time.Second, `document.getElementById("bl-cost-`+m+`").textContent`))
	}

	// DTW and RVSML-DTW with 2 references per activity, in the page.
	p.eval(`document.getElementById("eval-refs").value = 2; document.getElementById("eval-queries").value = 0; document.getElementById("eval-seed").value = 1;
		document.getElementById("bl-rvsml-dtw").checked = true; document.getElementById("bl-train").value = 12`)
	p.b.Run(10*time.Second, chromedp.Click(chromedp.CSS("#bl-run")))
	browsertest.Wait[bool](p.b, 2*time.Minute, `!!document.getElementById("bl-table") && !!cgruApp.panels.get("baselines").kept["rvsml-dtw"]`)
	type metrics struct {
		Accuracy  float64 `json:"accuracy"`
		MacroF1   float64 `json:"macro_f1"`
		MAP       float64 `json:"map"`
		NRefs     int     `json:"n_refs"`
		NQueries  int     `json:"n_queries"`
		Confusion [][]int `json:"confusion"`
	}
	type result struct {
		Refs            string
		Seconds         float64
		TrainSeconds    float64 `json:"train_seconds"`
		DistanceSeconds float64 `json:"distance_seconds"`
		Eval            metrics
		Training        *struct{ Windows, Iterations int }
	}
	var dtw metrics             // cgru baseline's
	var dtwPage, dtwCLI float64 // seconds of the distances
	var cliThreads int
	for _, c := range []struct {
		method string
		flags  []string
	}{{"dtw", nil}, {"rvsml-dtw", []string{"--train-per-class", "12"}}} {
		page := evalJSON[result](p, `cgruApp.panels.get("baselines").kept["`+c.method+`"]`)
		args := append([]string{"baseline", "--method", c.method, "--refs-per-class", "2", "--seed", "1", "--json", "--quiet"}, c.flags...)
		out, err := exec.Command(cgruBinary(t, false), args...).Output()
		if err != nil {
			t.Fatalf("cgru %s: %v", strings.Join(args, " "), err)
		}
		var cli struct {
			metrics
			Seconds  float64 `json:"seconds"`
			Threads  int     `json:"threads"`
			Training *struct {
				Windows, Iterations int
				Seconds             float64
			}
		}
		if err := json.Unmarshal(out, &cli); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: page %+v in %.2f s (training %.2f s, distances %.2f s); cgru baseline %+v, distances in %.2f s on %d threads",
			c.method, page.Eval, page.Seconds, page.TrainSeconds, page.DistanceSeconds, cli.metrics, cli.Seconds, cli.Threads)
		if fmt.Sprint(page.Eval) != fmt.Sprint(cli.metrics) || page.Eval.NRefs != 12 || page.Eval.NQueries != 216 {
			t.Errorf("the page's %s %+v, cgru baseline's %+v (want 216 queries against 12 references)", c.method, page.Eval, cli.metrics)
		}
		if page.Refs != "refs: 2 per class, 12 windows" {
			t.Errorf("the page's %s names its references %q", c.method, page.Refs)
		}
		if c.method == "dtw" {
			dtw, dtwPage, dtwCLI, cliThreads = cli.metrics, page.DistanceSeconds, cli.Seconds, cli.Threads
		} else if page.Training == nil || cli.Training == nil || page.Training.Windows != 72 || *page.Training != (struct{ Windows, Iterations int }{cli.Training.Windows, cli.Training.Iterations}) {
			t.Errorf("RVSML-DTW trained on %+v in the page, %+v by cgru baseline; want 72 windows", page.Training, cli.Training)
		}
	}
	cell := func(id string) string {
		return browsertest.Eval[string](p.b, 10*time.Second, `document.getElementById("`+id+`").textContent`)
	}
	if got, want := cell("bl-m-dtw-1-nn"), fmt.Sprintf("%.1f%%", 100*dtw.Accuracy); got != want {
		t.Errorf("the table shows a DTW accuracy of %q, want %q", got, want)
	}
	if got, want := cell("bl-m-dtw-map"), fmt.Sprintf("%.1f%%", 100*dtw.MAP); got != want {
		t.Errorf("the table shows a DTW MAP of %q, want %q", got, want)
	}
	if got := cell("bl-m-dtw-references"); got != "2 per class, 12 windows, seed 1" {
		t.Errorf("the DTW column names its references %q", got)
	}
	if got := cell("bl-refs-text"); !strings.Contains(got, "cgru baseline --method dtw --refs-per-class 2 --seed 1") {
		t.Errorf("the text under the table says %q, want the command that gives the same figures", got)
	}
	if n := evalJSON[int](p, `document.querySelectorAll("#bl-confusion-dtw td").length`); n != 36 {
		t.Errorf("the DTW confusion matrix has %d cells, want 36", n)
	}
	// What the cost note predicts for this run, and what it took.
	est := evalJSON[struct {
		Costs []struct {
			DistanceSeconds float64 `json:"distance_seconds"`
			PairMS          float64 `json:"pair_ms"`
		}
	}](p, `cgruApp.engine.call("baseline.cost", {methods: ["dtw"], refs_per_class: 2, seed: 1})`)
	t.Logf("dtw, 2592 distances: the cost note says %.2f s (%.3f ms each), the run took %.2f s", est.Costs[0].DistanceSeconds, est.Costs[0].PairMS, dtwPage)
	writeMetric(t, "baseline_dtw", map[string]any{"pairs": 2592, "estimate_s": est.Costs[0].DistanceSeconds, "distances_s": dtwPage,
		"pair_ms": 1000 * dtwPage / 2592, "cli_s": dtwCLI, "cli_threads": cliThreads})

	// The networks' evaluation with the same settings comes beside it.
	p.b.Run(10*time.Second, chromedp.Click(chromedp.CSS("#eval-run")))
	browsertest.Wait[bool](p.b, 5*time.Minute, `!!document.getElementById("eval-table") && document.querySelectorAll("#bl-table thead th").length === 5`)
	if cols := evalJSON[[]string](p, `[...document.querySelectorAll("#bl-table thead th")].map(c => c.textContent.trim())`); fmt.Sprint(cols) != "[ SGRU CGRU DTW RVSML-DTW]" {
		t.Errorf("baseline table columns %q, want SGRU, CGRU, DTW and RVSML-DTW", cols)
	}
	if refs := evalJSON[[]string](p, `[...document.getElementById("bl-table").tBodies[0].rows[4].cells].slice(1).map(c => c.textContent)`); strings.Join(refs, "|") != strings.Repeat("2 per class, 12 windows, seed 1|", 3)+"2 per class, 12 windows, seed 1" {
		t.Errorf("the columns name the references %q", refs)
	}
	if n := evalJSON[int](p, `document.querySelectorAll("#bl-table td.best").length + (document.getElementById("bl-differ") ? 100 : 0)`); n != 3 {
		t.Errorf("%d best figures marked (100: a note that the protocols differ), want 3: one per metric", n)
	}
	p.eval(`document.getElementById("bl-explain").open = true`)
	p.screenshot("baselines")

	// Kept across a reload.
	p.b.Run(30*time.Second, chromedp.Reload())
	p.ready()
	browsertest.Wait[bool](p.b, 30*time.Second, `!!document.getElementById("bl-table")`)
	if acc := evalJSON[float64](p, `cgruApp.panels.get("baselines").kept.dtw.eval.accuracy`); acc != dtw.Accuracy {
		t.Errorf("after a reload the DTW accuracy is %v, want %v", acc, dtw.Accuracy)
	}

	// RVSML-OPW against all 432 references (minutes in the page) stops when
	// cancelled, and the page says so without an error.
	p.eval(`document.getElementById("bl-dtw").checked = false; document.getElementById("bl-rvsml-opw").checked = true; document.getElementById("eval-refs").value = 0`)
	p.b.Run(10*time.Second, chromedp.Click(chromedp.CSS("#bl-run")))
	browsertest.Wait[bool](p.b, time.Minute, `document.querySelector("#panel-baselines .bar-text").textContent.includes("RVSML-OPW")`)
	start := time.Now()
	p.b.Run(10*time.Second, chromedp.Click(chromedp.CSS("#bl-cancel")))
	browsertest.Wait[bool](p.b, time.Minute, `!document.getElementById("bl-run").disabled`)
	t.Logf("RVSML-OPW stopped %.2f s after the click on Cancel", time.Since(start).Seconds())
	if shown := evalJSON[bool](p, `!document.getElementById("alert").hidden || !!cgruApp.panels.get("baselines").kept["rvsml-opw"]`); shown {
		t.Errorf("a cancelled RVSML-OPW left an alert or a result")
	}
	p.noProblems("baselines")
}
