package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// fastFloat32 must agree with strconv.ParseFloat(s, 32) bit for bit whenever
// it accepts a string, and parseFloat32 must always agree on finite values.
func TestFastFloat32(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var cases []string
	for range 20000 {
		v := math.Float32frombits(rng.Uint32())
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			continue
		}
		e := rng.IntN(20) - 10
		x := float64(rng.Int32N(1<<25)-1<<24) * math.Pow(10, float64(e))
		cases = append(cases,
			strconv.FormatFloat(float64(v), 'e', rng.IntN(9), 32),
			fmt.Sprintf("%.7e", x), fmt.Sprintf("%.8e", x), fmt.Sprintf("%g", x), fmt.Sprintf("%f", x),
			strconv.FormatFloat(x, 'e', -1, 64))
	}
	cases = append(cases, "0", "-0", "+0.0e+000", "1.", ".5", "-.5e-3", "16777215", "16777216", "16777217",
		"1e10", "1e-10", "1e11", "1.0000000e-011", "000000000000000000001", "1234567890123456789", "1e", "e1", ".", "-", "+e", "1e+", "0x1p3", "1_0", "Inf", "nan", "1.5e-45", "1e-46", "3.4028235e38", "3.5e38")
	for _, s := range cases {
		want, werr := strconv.ParseFloat(s, 32)
		if f, ok := fastFloat32([]byte(s)); ok {
			if werr != nil || math.Float32bits(f) != math.Float32bits(float32(want)) {
				t.Fatalf("fastFloat32(%q) = %v (%#x), strconv %v (%#x), %v", s, f, math.Float32bits(f), float32(want), math.Float32bits(float32(want)), werr)
			}
		}
		got, err := parseFloat32([]byte(s))
		finite := werr == nil && !math.IsInf(want, 0) && !math.IsNaN(want)
		if finite != (err == nil) || (err == nil && math.Float32bits(got) != math.Float32bits(float32(want))) {
			if !(werr != nil && want == 0 && err == nil) { // underflow to 0 is accepted
				t.Fatalf("parseFloat32(%q) = %v, %v; strconv %v, %v", s, got, err, want, werr)
			}
		}
	}
}
