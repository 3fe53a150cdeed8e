package dynamics

import (
	"context"
	"math"
	"runtime"
	"testing"
)

// TestPortableMath: the portable exp, log and tanh agree with package
// math to within 2 ulp (they are its pure-Go code), special cases
// included.
func TestPortableMath(t *testing.T) {
	ulps := func(a, b float64) float64 {
		if a == b {
			return 0
		}
		return math.Abs(a-b) / math.Abs(math.Nextafter(b, math.Inf(1))-b)
	}
	var worst [3]float64
	for i := -4000; i <= 4000; i++ {
		x := float64(i) * 0.0173
		worst[0] = max(worst[0], ulps(exp(x), math.Exp(x)))
		worst[2] = max(worst[2], ulps(tanh(x/7), math.Tanh(x/7)))
		if x > 0 {
			worst[1] = max(worst[1], ulps(log(x), math.Log(x)))
			worst[1] = max(worst[1], ulps(log(x*1e-9), math.Log(x*1e-9)))
		}
	}
	for k, name := range []string{"exp", "log", "tanh"} {
		if worst[k] > 2 {
			t.Errorf("%s differs from package math by %g ulp", name, worst[k])
		}
	}
	special := []struct{ got, want float64 }{
		{exp(800), math.Inf(1)}, {exp(-800), 0}, {exp(0), 1},
		{log(0), math.Inf(-1)}, {log(1), 0}, {log(math.Inf(1)), math.Inf(1)},
		{tanh(100), 1}, {tanh(-100), -1}, {tanh(0), 0},
	}
	for i, s := range special {
		if s.got != s.want {
			t.Errorf("special case %d: %g, want %g", i, s.got, s.want)
		}
	}
	if !math.IsNaN(log(-1)) || !math.IsNaN(exp(math.NaN())) {
		t.Error("log(−1) or exp(NaN) is not NaN")
	}
}

// TestSamePlatformResults: λ_max of the chaotic GRU is the same number
// natively and in WebAssembly (./build.sh test runs this package under
// both). A chaotic orbit amplifies a last-bit difference in any step, so
// the golden value also guards against a platform-dependent function
// slipping into the map. Compilers that fuse multiply-adds (arm64, ppc64,
// s390x) get a statistically equal but not identical value.
func TestSamePlatformResults(t *testing.T) {
	ctx := context.Background()
	g := RandomGRU(20, 7.5, 1)
	x, err := OnAttractor(ctx, g, 1, 1000)
	if err != nil {
		t.Fatal(err)
	}
	e, err := MaxLyapunov(ctx, g, x, Options{Transient: 1000, Steps: 5000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	const golden = 0.08582813502900026 // measured on amd64 and under GOOS=js GOARCH=wasm (Node)
	t.Logf("λ_max = %.17g on %s", e.Lambda, runtime.GOARCH)
	switch runtime.GOARCH {
	case "amd64", "wasm", "386":
		if e.Lambda != golden {
			t.Errorf("λ_max = %.17g on %s, want %.17g bit for bit", e.Lambda, runtime.GOARCH, golden)
		}
	default:
		if math.Abs(e.Lambda-golden) > 0.02 {
			t.Errorf("λ_max = %.17g on %s, want about %.4f", e.Lambda, runtime.GOARCH, golden)
		}
	}
}
