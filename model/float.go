package model

import "math"

// Float is the element type of the engine: float32 for training and
// benchmarks, float64 for gradient checks and the CLI.
type Float interface{ ~float32 | ~float64 }

// sigmoidTo sets dst[i] = σ(src[i]). dst and src may be the same slice.
func sigmoidTo[F Float](dst, src []F) {
	src = src[:len(dst)]
	switch d := any(dst).(type) {
	case []float32:
		s := any(src).([]float32)
		if simdSigmoid != nil {
			simdSigmoid(d, s)
			return
		}
		for i, x := range s {
			d[i] = 1 / (1 + Expf(-x))
		}
	default:
		for i, x := range src {
			dst[i] = F(1 / (1 + math.Exp(-float64(x))))
		}
	}
}

// tanhTo sets dst[i] = tanh(src[i]). dst and src may be the same slice.
func tanhTo[F Float](dst, src []F) {
	src = src[:len(dst)]
	switch d := any(dst).(type) {
	case []float32:
		s := any(src).([]float32)
		if simdTanh != nil {
			simdTanh(d, s)
			return
		}
		for i, x := range s {
			d[i] = Tanhf(x)
		}
	default:
		for i, x := range src {
			dst[i] = F(math.Tanh(float64(x)))
		}
	}
}

// Expf is e^x in float32, after Cephes' expf: range reduction by ln 2 in two
// parts and a degree-6 polynomial; within 2 ulp of the correctly rounded
// result for x in [−87, 88], 0 below and +Inf above. The float32 engine's
// sigmoid is 1/(1 + Expf(−x)); kernels installed with [UseKernels] must
// give its results bit for bit.
func Expf(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		c1    = 0.693359375
		c2    = -2.12194440e-4
	)
	if x > 88.7228 {
		return float32(math.Inf(1))
	}
	if x < -87.3365 {
		return 0
	}
	fx := x*log2e + 0.5
	n := int32(fx)
	if float32(n) > fx { // floor for negative fx
		n--
	}
	fn := float32(n)
	x = x - fn*c1 - fn*c2
	z := x * x
	y := ((((((1.9875691500e-4*x+1.3981999507e-3)*x+8.3334519073e-3)*x+
		4.1665795894e-2)*x+1.6666665459e-1)*x+5.0000001201e-1)*z + x + 1)
	return y * math.Float32frombits(uint32(n+127)<<23)
}

// Tanhf is tanh(x) in float32: Cephes' odd polynomial for |x| < 0.625 (full
// relative precision near 0) and 1 − 2/(e^{2|x|}+1) above (with [Expf]),
// ±1 above 9.01: the float32 engine's tanh, which kernels installed with
// [UseKernels] must give bit for bit.
func Tanhf(x float32) float32 {
	a := x
	if a < 0 {
		a = -a
	}
	if a < 0.625 {
		z := x * x
		return x + x*z*((((-5.70498872745e-3*z+2.06390887954e-2)*z-
			5.37397155531e-2)*z+1.33314422036e-1)*z-3.33332819422e-1)
	}
	if a > 9.01 {
		a = 1
	} else {
		a = 1 - 2/(Expf(2*a)+1)
	}
	if x < 0 {
		return -a
	}
	return a
}
