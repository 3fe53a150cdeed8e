// Package model is the pure-Go engine of cgru: the siamese GRU (SGRU) and the
// coupled GRU (CGRU) of DESIGN.md §2, their backpropagation through time,
// the pair losses of §3, the optimiser and regularisers of §4 and the model
// file of §5.
//
// It has no cgo and no syscall/js, so the same code runs natively, in
// WebAssembly, and as the reference the GPU shaders are checked against.
//
// # Numbers
//
// The engine is generic over [Float] (float32 or float64). Training and
// benchmarks run in float32; gradient checks and the CLI's distance and grad
// commands run in float64, where sigmoid and tanh come from package math.
// The float32 path uses its own exp (Cephes' expf polynomial, within 2 ulp),
// because transcendentals are a large share of a CGRU step.
//
// # Parameters
//
// All parameters of a network live in one flat slice ([Net.Params]) whose
// layout is given by [Layout]: the tensors of torch.nn.GRU (weight_ih [3H×I],
// weight_hh [3H×H], bias_ih [3H], bias_hh [3H], row blocks r | z | n) and,
// for the CGRU, weight_hc [H×H] and bias_hc [H]. Gradients and Adam's moments
// share that layout, so the optimiser is one loop and the GPU engine uploads
// one buffer.
//
// # Shapes
//
// A batch of sequences ([Seqs]) is stored flat as [n][t][i]: sequence n,
// time step t, input channel i. Pair distances of a batch are listed for
// every pair i<j in row-major order: (0,1), (0,2), …, (0,N−1), (1,2), …
// ([PairIndex] maps between the two).
//
// # Conventions
//
// Shape mismatches between arguments are programmer errors and panic; the
// doc comment of each function says so. Failures that depend on data (a bad
// model file, a non-finite loss) are returned as errors.
package model
