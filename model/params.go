package model

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Kind names a network: the siamese GRU or the coupled GRU.
type Kind string

const (
	SGRU Kind = "sgru" // siamese GRU: each sequence runs alone, d = ‖h_T − h'_T‖
	CGRU Kind = "cgru" // coupled GRU: each pair runs as one coupled system
)

// ParseKind returns the Kind named s ("sgru" or "cgru").
func ParseKind(s string) (Kind, error) {
	switch Kind(s) {
	case SGRU, CGRU:
		return Kind(s), nil
	}
	return "", fmt.Errorf("unknown model kind %q (want sgru or cgru)", s)
}

// Tensor is one named parameter tensor inside the flat parameter slice:
// elements Off … Off+Rows·Cols−1, row-major. A vector has Cols == 1 and
// Vector set.
type Tensor struct {
	Name       string
	Off        int
	Rows, Cols int
	Vector     bool
}

// Size is the number of elements of t.
func (t Tensor) Size() int { return t.Rows * t.Cols }

// Shape is t's shape as torch prints it: [rows, cols] or [rows].
func (t Tensor) Shape() []int {
	if t.Vector {
		return []int{t.Rows}
	}
	return []int{t.Rows, t.Cols}
}

// Layout is the table of offsets of a network's parameters in its flat
// slice, in the order of torch.nn.GRU: weight_ih [3H×I], weight_hh [3H×H],
// bias_ih [3H], bias_hh [3H], and for the CGRU weight_hc [H×H], bias_hc [H].
// Row blocks of the GRU tensors are r | z | n.
type Layout struct {
	Kind          Kind
	Input, Hidden int
	Tensors       []Tensor
	Size          int // total number of parameters

	// Offsets of each tensor, for the engine (−1 when absent).
	WeightIH, WeightHH, BiasIH, BiasHH, WeightHC, BiasHC int
}

// NewLayout returns the layout of a network of the given kind, input size
// and hidden size. It panics if a size is not positive or kind is unknown.
func NewLayout(kind Kind, input, hidden int) Layout {
	if input <= 0 || hidden <= 0 {
		panic(fmt.Sprintf("model: bad sizes input=%d hidden=%d", input, hidden))
	}
	if kind != SGRU && kind != CGRU {
		panic(fmt.Sprintf("model: unknown kind %q", kind))
	}
	l := Layout{Kind: kind, Input: input, Hidden: hidden, WeightHC: -1, BiasHC: -1}
	add := func(name string, rows, cols int, vector bool) int {
		off := l.Size
		l.Tensors = append(l.Tensors, Tensor{Name: name, Off: off, Rows: rows, Cols: cols, Vector: vector})
		l.Size += rows * cols
		return off
	}
	H, I := hidden, input
	l.WeightIH = add("weight_ih", 3*H, I, false)
	l.WeightHH = add("weight_hh", 3*H, H, false)
	l.BiasIH = add("bias_ih", 3*H, 1, true)
	l.BiasHH = add("bias_hh", 3*H, 1, true)
	if kind == CGRU {
		l.WeightHC = add("weight_hc", H, H, false)
		l.BiasHC = add("bias_hc", H, 1, true)
	}
	return l
}

// Tensor returns the tensor called name, and whether the layout has it.
func (l Layout) Tensor(name string) (Tensor, bool) {
	for _, t := range l.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// Net is a network: its kind, sizes and flat parameters (see [Layout]).
type Net[F Float] struct {
	Kind          Kind
	Input, Hidden int
	Params        []F
}

// NewNet returns a network with all parameters zero. It panics on bad sizes.
func NewNet[F Float](kind Kind, input, hidden int) *Net[F] {
	l := NewLayout(kind, input, hidden)
	return &Net[F]{Kind: kind, Input: input, Hidden: hidden, Params: make([]F, l.Size)}
}

// Layout returns the layout of n's parameters.
func (n *Net[F]) Layout() Layout { return NewLayout(n.Kind, n.Input, n.Hidden) }

// Param returns the slice of n.Params holding the tensor called name, or
// nil if n has no such tensor.
func (n *Net[F]) Param(name string) []F {
	t, ok := n.Layout().Tensor(name)
	if !ok {
		return nil
	}
	return n.Params[t.Off : t.Off+t.Size()]
}

// Clone returns a deep copy of n.
func (n *Net[F]) Clone() *Net[F] {
	c := *n
	c.Params = append([]F(nil), n.Params...)
	return &c
}

// Convert returns a copy of n with parameters of another element type.
func Convert[G, F Float](n *Net[F]) *Net[G] {
	out := &Net[G]{Kind: n.Kind, Input: n.Input, Hidden: n.Hidden, Params: make([]G, len(n.Params))}
	for i, v := range n.Params {
		out.Params[i] = G(v)
	}
	return out
}

// CouplingInit chooses how the CGRU's coupling weights start (DESIGN.md §2).
type CouplingInit string

const (
	// CouplingPaper draws weight_hc and bias_hc from N(0, 0.1²), as the paper
	// does. The gate then starts near c = 0.5: the strongest coupling.
	CouplingPaper CouplingInit = "paper"
	// CouplingWeak draws weight_hc from N(0, 0.1²) and sets bias_hc to −4,
	// so c ≈ 0.02 at the start: close to an SGRU.
	CouplingWeak CouplingInit = "weak"
)

// ParseCouplingInit returns the CouplingInit named s.
func ParseCouplingInit(s string) (CouplingInit, error) {
	switch CouplingInit(s) {
	case CouplingPaper, CouplingWeak:
		return CouplingInit(s), nil
	}
	return "", fmt.Errorf("unknown coupling init %q (want paper or weak)", s)
}

// Init sets n's parameters as DESIGN.md §2 says, from a PCG generator
// seeded with seed: GRU weights and biases uniform in (−1/√H, 1/√H)
// (torch.nn.GRU's default), and for the CGRU the coupling as ci says. The
// same seed gives the same parameters on every platform.
func (n *Net[F]) Init(seed uint64, ci CouplingInit) {
	rng := rand.New(rand.NewPCG(seed, 0x63677275)) // "cgru"
	l := n.Layout()
	k := 1 / math.Sqrt(float64(n.Hidden))
	for _, t := range l.Tensors {
		p := n.Params[t.Off : t.Off+t.Size()]
		switch t.Name {
		case "weight_hc":
			for i := range p {
				p[i] = F(0.1 * rng.NormFloat64())
			}
		case "bias_hc":
			for i := range p {
				if ci == CouplingWeak {
					p[i] = -4
				} else {
					p[i] = F(0.1 * rng.NormFloat64())
				}
			}
		default:
			for i := range p {
				p[i] = F(k * (2*rng.Float64() - 1))
			}
		}
	}
}

// CouplingNorm returns ‖W_hc‖_F, the Frobenius norm of the coupling
// weights, or 0 for an SGRU.
func (n *Net[F]) CouplingNorm() float64 {
	var s float64
	for _, v := range n.Param("weight_hc") {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s)
}
