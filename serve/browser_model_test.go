package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cgru/cgru/internal/browsertest"
)

// TestLoadCLIModel loads the model files cgru train wrote for
// docs/results through the run cards: each card tells what trained the
// network and how well, with no "undefined" or "NaN"; a CGRU file through
// the SGRU's card is refused, saying where it goes, and the SGRU stays.
func TestLoadCLIModel(t *testing.T) {
	srv := builtSite(t, nil)
	p := openPage(t, srv, false, "#train")
	results, err := filepath.Abs("../docs/results")
	if err != nil {
		t.Fatal(err)
	}
	cardText := func(kind string) string {
		return browsertest.Eval[string](p.b, 10*time.Second, `document.getElementById("run-`+kind+`").innerText`)
	}
	for _, c := range []struct{ kind, best string }{{"cgru", "95.6% (epoch 31)"}, {"sgru", "96.4% (epoch 37)"}} {
		p.b.Run(20*time.Second, chromedp.SetUploadFiles(chromedp.CSS("#load-"+c.kind), []string{filepath.Join(results, c.kind+".json")}))
		browsertest.Wait[bool](p.b, 30*time.Second, `document.getElementById("run-`+c.kind+`").dataset.status === "loaded"`)
		text := cardText(c.kind)
		t.Logf("%s card:\n%s", c.kind, text)
		for _, bad := range []string{"undefined", "NaN", "null", "[object"} {
			if strings.Contains(text, bad) {
				t.Errorf("the %s card shows %q:\n%s", c.kind, bad, text)
			}
		}
		for _, want := range []string{"cgru train (CLI)", c.best, "5741 train", "validated on people 3, 23, 30", "loaded from " + c.kind + ".json"} {
			if !strings.Contains(text, want) {
				t.Errorf("the %s card does not say %q:\n%s", c.kind, want, text)
			}
		}
	}
	p.screenshot("train-cli-models")

	// Quick demo asks for 10 epochs, fewer than the files' runs did: the
	// hint says at once what Continue needs, and Continue is refused with
	// the epochs done and asked.
	p.eval(`document.getElementById("quick-demo").click()`)
	done := browsertest.Eval[[]int](p.b, 10*time.Second, `["sgru", "cgru"].map(k => +document.getElementById("run-" + k).dataset.epochs)`)
	most, who := done[0], "SGRU"
	if done[1] > done[0] {
		most, who = done[1], "CGRU"
	}
	hint := browsertest.Eval[string](p.b, 10*time.Second, `document.getElementById("train-hint").textContent`)
	if want := fmt.Sprintf("“Continue” needs Epochs above %d, the epochs the %s has done.", most, who); !strings.Contains(hint, want) {
		t.Errorf("after Quick demo with runs of %v epochs the hint says %q, want %q", done, hint, want)
	}
	p.eval(`document.getElementById("train-continue").click()`)
	msg := browsertest.Wait[string](p.b, 30*time.Second, `!document.getElementById("alert").hidden && document.getElementById("alert").textContent`)
	if want := fmt.Sprintf("the SGRU has done %d epochs and Epochs asks for 10: raise Epochs above %d to continue", done[0], done[0]); !strings.Contains(msg, want) {
		t.Errorf("Continue to 10 epochs after %v: the alert says %q, want %q", done, msg, want)
	}
	p.eval(`document.getElementById("paper-defaults").click()`)
	hint = browsertest.Eval[string](p.b, 10*time.Second, `document.getElementById("train-hint").textContent`)
	if !strings.Contains(hint, "(on to epoch ") {
		t.Errorf("after Paper defaults the hint says %q, want on to the paper's epochs", hint)
	}

	// Compare with them: each distance set among the network's distances
	// of the split's sample of pairs (computed with the first pair, then
	// kept).
	ms := evalJSON[float64](p, `(async () => { const t0 = performance.now(); await cgruApp.panels.get("compare").setPair({split: "test", index: 3}, {split: "test", index: 100}); return performance.now() - t0 })()`)
	p.tab("compare")
	type shown struct {
		Kind    string
		Rank    string
		Context struct {
			NSame      int     `json:"n_same"`
			DiffAbove  float64 `json:"diff_above"`
			SameBelow  float64 `json:"same_below"`
			MedianSame float64 `json:"median_same"`
			MedianDiff float64 `json:"median_diff"`
		}
	}
	got := evalJSON[[]shown](p, `cgruApp.panels.get("compare").res.traces.map(t => ({kind: t.kind, context: t.context, rank: document.querySelector("#dist-" + t.kind + " .dist-rank").textContent}))`)
	again := evalJSON[float64](p, `(async () => { const t0 = performance.now(); await cgruApp.panels.get("compare").setPair({split: "test", index: 5}, {split: "test", index: 6}); return performance.now() - t0 })()`)
	t.Logf("compare: %.0f ms with the samples' distances, %.0f ms for the next pair", ms, again)
	for _, g := range got {
		c := g.Context
		t.Logf("%s: %s (%+v)", g.Kind, g.Rank, c)
		want := fmt.Sprintf("closer than %d%% of different-activity pairs · farther than %d%% of same-activity pairs", int(math.Round(100*c.DiffAbove)), int(math.Round(100*c.SameBelow)))
		if g.Rank != want || c.NSame != 60 || !(c.MedianSame < c.MedianDiff) {
			t.Errorf("%s: the page says %q, want %q; sample %+v", g.Kind, g.Rank, want, c)
		}
	}
	p.screenshot("compare-cli-models")

	// The CGRU file through the SGRU's card.
	p.b.Run(20*time.Second, chromedp.SetUploadFiles(chromedp.CSS("#load-sgru"), []string{filepath.Join(results, "cgru.json")}))
	msg = browsertest.Wait[string](p.b, 30*time.Second, `!document.getElementById("alert").hidden && document.getElementById("alert").textContent.includes("cgru.json is") && document.getElementById("alert").textContent`)
	if !strings.Contains(msg, "cgru.json is a CGRU model, not an SGRU") || !strings.Contains(msg, "CGRU card") {
		t.Errorf("a CGRU file through the SGRU card: the alert says %q", msg)
	}
	if text := cardText("sgru"); !strings.Contains(text, "loaded from sgru.json") {
		t.Errorf("after the refused file the SGRU card says:\n%s", text)
	}
	// And the SGRU file through the CGRU's: "an SGRU", "a CGRU".
	p.b.Run(20*time.Second, chromedp.SetUploadFiles(chromedp.CSS("#load-cgru"), []string{filepath.Join(results, "sgru.json")}))
	msg = browsertest.Wait[string](p.b, 30*time.Second, `!document.getElementById("alert").hidden && document.getElementById("alert").textContent.includes("sgru.json is") && document.getElementById("alert").textContent`)
	if !strings.Contains(msg, "sgru.json is an SGRU model, not a CGRU") || !strings.Contains(msg, "the CGRU was not replaced") {
		t.Errorf("an SGRU file through the CGRU card: the alert says %q", msg)
	}

	// Data of one person: the Validation fold offers only "none" (a fold
	// would hold out everyone), says why, and the settings hold fold 0;
	// the Data panel counts its one test window in the singular.
	one := filepath.Join(t.TempDir(), "one.csv")
	csv := "window,split,subject,label,a,b\n" +
		"w1,train,1,up,1,2\nw1,train,1,up,1.5,2\nw1,train,1,up,2,2\n" +
		"w2,train,1,down,0,1\nw2,train,1,down,-1,1\nw2,train,1,down,-2,1\n" +
		"w3,test,3,up,1,1\nw3,test,3,up,2,1\nw3,test,3,up,3,1\n"
	if err := os.WriteFile(one, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	p.tab("data")
	p.b.Run(20*time.Second, chromedp.SetUploadFiles(chromedp.CSS("#data-file"), []string{one}))
	browsertest.Wait[bool](p.b, 30*time.Second, `cgruApp.data.title === "one.csv"`)
	fold := evalJSON[struct {
		Options []string
		Value   string
		Config  int
		Help    string
		Data    string
	}](p, `({options: [...document.querySelectorAll("#cfg-fold option")].map(o => o.value), value: document.getElementById("cfg-fold").value,
		config: cgruApp.state.config.fold, help: document.getElementById("cfg-fold").parentElement.querySelector(".help").textContent,
		data: document.getElementById("panel-data") ? document.getElementById("panel-data").innerText : document.body.innerText})`)
	if fmt.Sprint(fold.Options) != "[0]" || fold.Value != "0" || fold.Config != 0 || !strings.Contains(fold.Help, "one person") {
		t.Errorf("one person's data: fold options %v, value %s, settings' fold %d, help %q; want only 0, saying one person", fold.Options, fold.Value, fold.Config, fold.Help)
	}
	if !strings.Contains(fold.Data, "test window\n") || strings.Contains(fold.Data, "1 subjects") {
		t.Errorf("one person's data: the Data panel says\n%s", fold.Data)
	}
	p.noProblems("loading model files")
}
