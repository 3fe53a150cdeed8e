package main

import (
	"fmt"
	"math"
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
	msg := browsertest.Wait[string](p.b, 30*time.Second, `!document.getElementById("alert").hidden && document.getElementById("alert").textContent`)
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
	p.noProblems("loading model files")
}
