package model

// The GRU and CGRU recurrences over blocks of rows, forward and backward
// (DESIGN.md §2). A block is a set of R rows that step together through
// time; each row runs one sequence. In a coupled block (the CGRU) rows p
// and p+P (P = R/2) are the two branches of one pair and share the
// coupling gate c. Running rows together turns the per-step matrix-vector
// products into small matrix products (gemmNN, gemmTN), which is where the
// time goes.
//
// Every gate block is padded from H to Hp lanes (Hp a multiple of 8, see
// [padHidden]) with zero weights, so that the kernels work on whole SIMD
// vectors. Padded lanes stay exactly 0 in h, n and every gradient.

// padHidden returns H rounded up to a multiple of 8.
func padHidden(h int) int { return (h + 7) &^ 7 }

// weights are a network's parameters rearranged for the engine.
type weights[F Float] struct {
	coupled   bool
	H, Hp, I  int
	G         int // 3·Hp: gate rows r | z | n, each padded to Hp
	wihT      []F // [I][G]   W_ihᵀ
	bih       []F // [G]
	whhT      []F // [Hp][G]  W_hhᵀ (forward: gh = h·W_hhᵀ)
	whh       []F // [G][Hp]  W_hh  (backward: dh = dgh·W_hh)
	bhh       []F // [G]
	whcT, whc []F // [Hp][Hp] W_hcᵀ and W_hc (CGRU only)
	bhc       []F // [Hp]
}

// gradAcc accumulates parameter gradients in the padded layout of weights.
type gradAcc[F Float] struct {
	wihT, bih, whhT, bhh, whcT, bhc []F
}

func newWeights[F Float](kind Kind, input, hidden int) *weights[F] {
	hp := padHidden(hidden)
	w := &weights[F]{coupled: kind == CGRU, H: hidden, Hp: hp, I: input, G: 3 * hp}
	w.wihT = make([]F, input*w.G)
	w.bih = make([]F, w.G)
	w.whhT = make([]F, hp*w.G)
	w.whh = make([]F, w.G*hp)
	w.bhh = make([]F, w.G)
	if w.coupled {
		w.whcT = make([]F, hp*hp)
		w.whc = make([]F, hp*hp)
		w.bhc = make([]F, hp)
	}
	return w
}

// gateRow maps row q of a torch [3H×…] tensor to its padded row.
func (w *weights[F]) gateRow(q int) int { return q/w.H*w.Hp + q%w.H }

// load copies net's flat parameters into w. Padded entries stay zero.
func (w *weights[F]) load(net *Net[F]) {
	l := net.Layout()
	p := net.Params
	H, I := w.H, w.I
	for q := 0; q < 3*H; q++ {
		g := w.gateRow(q)
		for i := 0; i < I; i++ {
			w.wihT[i*w.G+g] = p[l.WeightIH+q*I+i]
		}
		for k := 0; k < H; k++ {
			v := p[l.WeightHH+q*H+k]
			w.whhT[k*w.G+g] = v
			w.whh[g*w.Hp+k] = v
		}
		w.bih[g] = p[l.BiasIH+q]
		w.bhh[g] = p[l.BiasHH+q]
	}
	if w.coupled {
		for j := 0; j < H; j++ {
			for k := 0; k < H; k++ {
				v := p[l.WeightHC+j*H+k]
				w.whcT[k*w.Hp+j] = v
				w.whc[j*w.Hp+k] = v
			}
			w.bhc[j] = p[l.BiasHC+j]
		}
	}
}

func newGradAcc[F Float](w *weights[F]) *gradAcc[F] {
	g := &gradAcc[F]{
		wihT: make([]F, len(w.wihT)), bih: make([]F, w.G),
		whhT: make([]F, len(w.whhT)), bhh: make([]F, w.G),
	}
	if w.coupled {
		g.whcT = make([]F, len(w.whcT))
		g.bhc = make([]F, w.Hp)
	}
	return g
}

func (g *gradAcc[F]) zero() {
	for _, s := range [][]F{g.wihT, g.bih, g.whhT, g.bhh, g.whcT, g.bhc} {
		clear(s)
	}
}

// addTo adds g to h (same shapes).
func (g *gradAcc[F]) addTo(h *gradAcc[F]) {
	add := func(dst, src []F) {
		for i, v := range src {
			dst[i] += v
		}
	}
	add(h.wihT, g.wihT)
	add(h.bih, g.bih)
	add(h.whhT, g.whhT)
	add(h.bhh, g.bhh)
	add(h.whcT, g.whcT)
	add(h.bhc, g.bhc)
}

// store writes g into the flat gradient grad (layout of net).
func (g *gradAcc[F]) store(w *weights[F], l Layout, grad []F) {
	H, I := w.H, w.I
	for q := 0; q < 3*H; q++ {
		r := w.gateRow(q)
		for i := 0; i < I; i++ {
			grad[l.WeightIH+q*I+i] = g.wihT[i*w.G+r]
		}
		for k := 0; k < H; k++ {
			grad[l.WeightHH+q*H+k] = g.whhT[k*w.G+r]
		}
		grad[l.BiasIH+q] = g.bih[r]
		grad[l.BiasHH+q] = g.bhh[r]
	}
	if w.coupled {
		for j := 0; j < H; j++ {
			for k := 0; k < H; k++ {
				grad[l.WeightHC+j*H+k] = g.whcT[k*w.Hp+j]
			}
			grad[l.BiasHC+j] = g.bhc[j]
		}
	}
}

// project computes the input projections of a batch: gi[n][t] = W_ih·x_{n,t}
// + b_ih, as gi [N][T][G].
func (w *weights[F]) project(gi []F, x Seqs[F]) {
	G := w.G
	for r := 0; r < x.N*x.T; r++ {
		copy(gi[r*G:(r+1)*G], w.bih)
	}
	for n := 0; n < x.N; n++ {
		gemmNN(x.T, G, x.I, x.Seq(n), x.I, w.wihT, G, gi[n*x.T*G:], G)
	}
}

// tape holds what the backward pass needs from the forward pass of one
// block, for every step t (the state before the step and the gates).
type tape[F Float] struct {
	hprev []F // [T][R][Hp] h_{t−1}
	rz    []F // [T][R][2Hp] r_t | z_t
	n     []F // [T][R][Hp] n_t
	ghn   []F // [T][R][Hp] W_hn·h_{t−1} + b_hn
	c     []F // [T][P][Hp] coupling gate c_t (CGRU)
}

// tapeSize is the number of elements of a tape of T steps, R rows.
func (w *weights[F]) tapeSize(T, R int) int {
	n := T * R * (2*w.Hp + w.G)
	if w.coupled {
		n += T * (R / 2) * w.Hp
	}
	return n
}

// tapeAt cuts a tape for T steps of R rows out of buf (len ≥ tapeSize).
func (w *weights[F]) tapeAt(buf []F, T, R int) tape[F] {
	var tp tape[F]
	cut := func(n int) []F { s := buf[:n:n]; buf = buf[n:]; return s }
	tp.hprev = cut(T * R * w.Hp)
	tp.rz = cut(T * R * 2 * w.Hp)
	tp.n = cut(T * R * w.Hp)
	tp.ghn = cut(T * R * w.Hp)
	if w.coupled {
		tp.c = cut(T * (R / 2) * w.Hp)
	}
	return tp
}

// scratch is per-worker working memory for blocks of up to R rows.
type scratch[F Float] struct {
	gh, rz            []F // [R][G], [R][2Hp]
	n, ghn, hp        []F // [R][Hp]
	dn, dz            []F // [R][Hp]
	s, ac, c, ds, dac []F // [P][Hp]
}

func newScratch[F Float](w *weights[F], R int) *scratch[F] {
	P := R / 2
	if !w.coupled {
		P = 0
	}
	return &scratch[F]{
		gh: make([]F, R*w.G), rz: make([]F, 2*R*w.Hp), n: make([]F, R*w.Hp),
		ghn: make([]F, R*w.Hp), hp: make([]F, R*w.Hp),
		dn: make([]F, R*w.Hp), dz: make([]F, R*w.Hp),
		s: make([]F, P*w.Hp), ac: make([]F, P*w.Hp), c: make([]F, P*w.Hp),
		ds: make([]F, P*w.Hp), dac: make([]F, P*w.Hp),
	}
}

// stepObserver, when not nil, is called after every forward step t with
// the new states h [R][Hp] and, for a coupled block, the gate c [P][Hp].
type stepObserver[F Float] func(t int, h, c []F)

// forward runs the R rows of a block through T steps from h = 0. gi holds
// the input projections [N][T][G] of the batch, seq[r] the sequence of row
// r. For a coupled block rows p and p+R/2 are the branches of a pair. On
// return h [R][Hp] holds the final states. If tp is not nil it receives
// the activations for backward; obs, if not nil, sees every step.
func (w *weights[F]) forward(T int, gi []F, seq []int32, h []F, tp *tape[F], sc *scratch[F], obs stepObserver[F]) {
	R, Hp, G := len(seq), w.Hp, w.G
	P := 0
	if w.coupled {
		P = R / 2
	}
	h = h[:R*Hp]
	clear(h)
	for t := 0; t < T; t++ {
		rz, nn, ghn, c := sc.rz[:2*R*Hp], sc.n[:R*Hp], sc.ghn[:R*Hp], sc.c[:P*Hp]
		if tp != nil {
			copy(tp.hprev[t*R*Hp:(t+1)*R*Hp], h)
			rz = tp.rz[t*2*R*Hp : (t+1)*2*R*Hp]
			nn = tp.n[t*R*Hp : (t+1)*R*Hp]
			ghn = tp.ghn[t*R*Hp : (t+1)*R*Hp]
			if w.coupled {
				c = tp.c[t*P*Hp : (t+1)*P*Hp]
			}
		}
		// gh = b_hh + W_hh·h for every row.
		gh := sc.gh[:R*G]
		for r := 0; r < R; r++ {
			copy(gh[r*G:(r+1)*G], w.bhh)
		}
		gemmNN(R, G, Hp, h, Hp, w.whhT, G, gh, G)
		// r, z = σ(gi + gh) for all rows at once (one call: the SIMD
		// kernels are cheapest on long slices), then n = tanh(…).
		preRZ(rz, gi, gh, seq, t, T, Hp, G)
		sigmoidTo(rz, rz)
		preN(nn, ghn, rz, gi, gh, seq, t, T, Hp, G)
		tanhTo(nn, nn)
		if w.coupled {
			// c = σ(W_hc·(h + h') + b_hc), then the coupled new states.
			s, ac := sc.s[:P*Hp], sc.ac[:P*Hp]
			sumPairs(s, h, P, Hp)
			for p := 0; p < P; p++ {
				copy(ac[p*Hp:(p+1)*Hp], w.bhc)
			}
			gemmNN(P, Hp, Hp, s, Hp, w.whcT, Hp, ac, Hp)
			sigmoidTo(c, ac)
			mixFwd(h, rz, nn, c, P, Hp)
		} else {
			gruFwd(h, rz, nn, R, Hp)
		}
		if obs != nil {
			obs(t, h, c)
		}
	}
}

// backward is the backpropagation through time of forward. dh [R][Hp]
// holds dL/dh_T on entry and is overwritten. Parameter gradients are added
// to g, the gradients of the input projections to dgi [N][T][G].
func (w *weights[F]) backward(T int, seq []int32, dh []F, tp *tape[F], g *gradAcc[F], dgi []F, sc *scratch[F]) {
	R, Hp, G := len(seq), w.Hp, w.G
	P := R / 2
	dh = dh[:R*Hp]
	dhp := sc.hp[:R*Hp]
	dgh := sc.gh[:R*G]
	dn, dz := sc.dn[:R*Hp], sc.dz[:R*Hp]
	for t := T - 1; t >= 0; t-- {
		hp := tp.hprev[t*R*Hp : (t+1)*R*Hp]
		rz := tp.rz[t*2*R*Hp : (t+1)*2*R*Hp]
		nn := tp.n[t*R*Hp : (t+1)*R*Hp]
		ghn := tp.ghn[t*R*Hp : (t+1)*R*Hp]
		var dac []F
		if w.coupled {
			dac = sc.dac[:P*Hp]
			mixBwd(dh, dhp, dz, dn, dac, hp, rz, nn, tp.c[t*P*Hp:(t+1)*P*Hp], P, Hp)
		} else {
			gruBwd(dh, dhp, dz, dn, hp, rz, nn, R, Hp)
		}
		// Through the gates of every row: dgh = [da_r, da_z, dgh_n], and
		// the input projection's gradient [da_r, da_z, da_n].
		gateBwd(dgh, dgi, dn, dz, rz, nn, ghn, seq, t, T, Hp, G)
		// db_hh: the r and z parts equal those of db_ih (da_r, da_z feed
		// both), added once at the end (CPU.reduce); only the n part here.
		colSumAdd(g.bhh[2*Hp:], R, Hp, dgh[2*Hp:], G)
		gemmTN(Hp, G, R, hp, Hp, dgh, G, g.whhT, G)
		gemmNN(R, Hp, G, dgh, G, w.whh, Hp, dhp, Hp)
		if w.coupled {
			s, ds := sc.s[:P*Hp], sc.ds[:P*Hp]
			sumPairs(s, hp, P, Hp)
			clear(ds)
			colSumAdd(g.bhc, P, Hp, dac, Hp)
			gemmTN(Hp, Hp, P, s, Hp, dac, Hp, g.whcT, Hp)
			gemmNN(P, Hp, Hp, dac, Hp, w.whc, Hp, ds, Hp)
			addPairs(dhp, ds, P, Hp)
		}
		dh, dhp = dhp, dh // dL/dh_{t−1} becomes the next step's dh
	}
}
