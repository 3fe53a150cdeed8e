package app

import "testing"

// TestEvaluateRefsBeyondClass asks the page's evaluation and baselines for
// more references per class than the embedded subset's 72: the results say
// that all were taken and record the count used (0: all) beside the one
// asked.
func TestEvaluateRefsBeyondClass(t *testing.T) {
	a, _ := newApp(t)
	const want = "refs: all 72 per class (fewer than the 1000 asked), 432 windows"
	var res struct {
		Results []EvalResult
		Refs    int
	}
	call(t, a, "evaluate", map[string]any{"kinds": []string{"sgru"}, "refs_per_class": 1000, "queries_per_class": 1, "seed": 5}, &res)
	if res.Refs != 432 || len(res.Results) != 1 {
		t.Fatalf("evaluate: %d refs, %d results; want 432, 1", res.Refs, len(res.Results))
	}
	if r := res.Results[0]; r.Refs != want || r.RefsPerClass != 1000 || r.RefsPerClassUsed != 0 {
		t.Errorf("evaluate: refs %q, refs_per_class %d, refs_per_class_used %d; want %q, 1000, 0", r.Refs, r.RefsPerClass, r.RefsPerClassUsed, want)
	}
	call(t, a, "evaluate", map[string]any{"kinds": []string{"sgru"}, "refs_per_class": 2, "queries_per_class": 1, "seed": 5}, &res)
	if r := res.Results[0]; r.Refs != "refs: 2 per class, 12 windows" || r.RefsPerClassUsed != 2 {
		t.Errorf("evaluate, 2 per class: refs %q, refs_per_class_used %d", r.Refs, r.RefsPerClassUsed)
	}
	var b baselineReply
	call(t, a, "baseline", map[string]any{"methods": []string{"dtw"}, "refs_per_class": 1000, "queries_per_class": 1, "seed": 5, "band": 1}, &b)
	if len(b.Results) != 1 {
		t.Fatalf("baseline: %d results", len(b.Results))
	}
	if r := b.Results[0]; r.Refs != want || r.RefsPerClass != 1000 || r.RefsPerClassUsed != 0 {
		t.Errorf("baseline: refs %q, refs_per_class %d, refs_per_class_used %d; want %q, 1000, 0", r.Refs, r.RefsPerClass, r.RefsPerClassUsed, want)
	}
}
