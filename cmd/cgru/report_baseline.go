package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// baselineFields are the fields of a reportEval that only the output of
// cgru baseline has.
type baselineFields struct {
	Settings map[string]any `json:"settings,omitempty"` // the method's settings
	Training *rvsmlRecord   `json:"training,omitempty"` // the RVSML training
}

// writeBaselineSettingsMD adds to report.md the settings and the RVSML
// training behind each result of cgru baseline (nothing if there is none).
func writeBaselineSettingsMD(w io.Writer, es []*reportEval) {
	var bs []*reportEval
	for _, e := range es {
		if e.Method != "" {
			bs = append(bs, e)
		}
	}
	if len(bs) == 0 {
		return
	}
	fmt.Fprintf(w, "### Baselines\n\n")
	fmt.Fprintf(w, "Raw signals, no normalisation; `time` above is the distance matrix and metrics, training below.\n\n")
	fmt.Fprintf(w, "| method | split | settings | RVSML training |\n|---|---|---|---|\n")
	for _, e := range bs {
		keys := make([]string, 0, len(e.Settings))
		for k := range e.Settings {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		set := make([]string, len(keys))
		for i, k := range keys {
			set[i] = fmt.Sprintf("%s=%v", k, e.Settings[k])
		}
		tr := "–"
		if t := e.Training; t != nil && len(t.History) > 0 {
			how := "stopped at the iteration cap"
			if t.Converged {
				how = "converged"
			}
			tr = fmt.Sprintf("%d windows, %d iterations (%s), loss %.6g → %.6g, %.1f s",
				t.Windows, t.Iterations, how, t.History[0].Loss, t.History[len(t.History)-1].Loss, t.Seconds)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", strings.ToUpper(e.Label), e.Split, strings.Join(set, " "), tr)
	}
	fmt.Fprintf(w, "\nDTW: Sakoe & Chiba 1978; OPW: Su & Hua, CVPR 2017; RVSML: Su & Wu, ICML 2019 (reimplemented from the papers, see model/baseline).\n\n")
}
