//go:build cgo && !js

package gpu

import (
	"context"
	"os"
	"testing"

	"github.com/cgru/cgru/gpu/internal/parity"
)

// testEngine opens the GPU engine for a test. Without an adapter the test
// FAILS (CI installs Mesa's lavapipe), unless CGRU_NO_GPU=1 says to skip.
func testEngine(t testing.TB) *Engine {
	t.Helper()
	if os.Getenv("CGRU_NO_GPU") == "1" {
		t.Skip("CGRU_NO_GPU=1: GPU tests skipped")
	}
	e, err := Open(context.Background())
	if err != nil {
		t.Fatalf("no WebGPU engine (%v); CI needs mesa-vulkan-drivers (lavapipe); CGRU_NO_GPU=1 skips knowingly", err)
	}
	t.Cleanup(e.Close)
	t.Logf("adapter: %s", e.Adapter())
	return e
}

// TestParityGolden checks the GPU engine against the CPU engine on every
// case of testdata/golden.json: both models, both losses, T 1…7, label sets
// without negative or without positive pairs, and the pair cases.
func TestParityGolden(t *testing.T) {
	e := testEngine(t)
	b, err := os.ReadFile("../testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	cases, err := parity.GoldenCases(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		report(t, parity.Check(e, c))
	}
}

// TestParityReal checks real-size cases: 36 HAR windows of 128 steps (630
// CGRU pairs), H = 20, both models and both losses.
func TestParityReal(t *testing.T) {
	e := testEngine(t)
	for _, c := range parity.RealCases() {
		report(t, parity.Check(e, c))
	}
}
