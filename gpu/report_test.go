//go:build !js

package gpu

import (
	"testing"

	"github.com/cgru/cgru/gpu/internal/parity"
)

// report logs a parity result and fails the test on its failures.
func report(t *testing.T, r parity.Result) {
	t.Helper()
	t.Logf("%-40s N=%-3d T=%-3d H=%-2d pairs=%-4d loss %.2g dist %.2g fwd %.2g grad %.2g (%s)  gpu %.0f ms cpu %.0f ms",
		r.Name, r.N, r.T, r.H, r.Pairs, r.LossRel, r.DistRel, r.FwdRel, r.GradRel, r.Worst, r.GPUms, r.CPUms)
	if r.Err != "" {
		t.Errorf("%s: GPU error: %s", r.Name, r.Err)
	}
	for _, f := range r.Failures {
		t.Errorf("%s: %s", r.Name, f)
	}
}
