package model

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// toyData is a two-class problem: class 0 drifts up, class 1 down, with
// noise; batches of 2 per class drawn from (seed, epoch).
func toyData(seed uint64) TrainData[float32] {
	rng := rand.New(rand.NewPCG(seed, 1))
	const N, T, I = 16, 6, 2
	x := NewSeqs[float32](N, T, I)
	labels := make([]int, N)
	for n := 0; n < N; n++ {
		labels[n] = n % 2
		sign := float32(1 - 2*labels[n])
		for t := 0; t < T; t++ {
			for i := 0; i < I; i++ {
				x.X[(n*T+t)*I+i] = sign*0.3*float32(t) + float32(rng.NormFloat64())*0.5
			}
		}
	}
	return TrainData[float32]{X: x, Labels: labels, Loss: Contrastive{Margin: 1},
		Batches: func(epoch int) [][]int {
			r := rand.New(rand.NewPCG(seed, uint64(epoch)))
			p := r.Perm(N)
			var bs [][]int
			for i := 0; i+4 <= N; i += 4 {
				bs = append(bs, p[i:i+4])
			}
			return bs
		}}
}

func toyNet(kind Kind) *Net[float32] {
	n := NewNet[float32](kind, 2, 4)
	n.Init(3, CouplingWeak)
	return n
}

// TestResumeBitIdentical: a run stopped after 2 epochs, checkpointed,
// decoded and resumed ends bit for bit where an uninterrupted run ends.
func TestResumeBitIdentical(t *testing.T) {
	for _, kind := range []Kind{SGRU, CGRU} {
		cfg := DefaultTrainConfig
		cfg.Epochs = 5
		d := toyData(9)
		val := func(n *Net[float32]) (float64, error) { return float64(n.Params[0]), nil } // any deterministic score
		d.Validate = val
		e := &CPU[float32]{Threads: 2}
		full := NewTrainState(toyNet(kind), cfg)
		if err := Train(context.Background(), e, full, d, cfg, nil); err != nil {
			t.Fatal(err)
		}
		part := NewTrainState(toyNet(kind), cfg)
		c2 := cfg
		c2.Epochs = 2
		if err := Train(context.Background(), e, part, d, c2, nil); err != nil {
			t.Fatal(err)
		}
		b, err := part.MarshalCheckpoint(map[string]int{"seed": 9})
		if err != nil {
			t.Fatal(err)
		}
		resumed, run, err := UnmarshalCheckpoint[float32](b, "ckpt.json")
		if err != nil || string(run) != `{"seed":9}` {
			t.Fatalf("checkpoint: %v, run %s", err, run)
		}
		if err := Train(context.Background(), &CPU[float32]{Threads: 2}, resumed, d, cfg, nil); err != nil {
			t.Fatal(err)
		}
		for i := range full.Net.Params {
			if full.Net.Params[i] != resumed.Net.Params[i] {
				t.Fatalf("%s: param %d: uninterrupted %.9g, resumed %.9g", kind, i, full.Net.Params[i], resumed.Net.Params[i])
			}
		}
		if full.Opt.T != resumed.Opt.T || len(resumed.History) != 5 || full.BestEpoch != resumed.BestEpoch {
			t.Errorf("%s: steps %d/%d, history %d, best epoch %d/%d", kind, full.Opt.T, resumed.Opt.T, len(resumed.History), full.BestEpoch, resumed.BestEpoch)
		}
		for i := range full.History {
			a, b := full.History[i], resumed.History[i]
			a.Seconds, b.Seconds = 0, 0
			if a != b {
				t.Errorf("%s epoch %d: uninterrupted %+v, resumed %+v", kind, i+1, a, b)
			}
		}
	}
}

// TestEarlyStopAndBest: validation scores scripted per epoch; the loop keeps
// the best network, marks improvements and stops after EarlyStop epochs
// without one.
func TestEarlyStopAndBest(t *testing.T) {
	scores := []float64{0.5, 0.7, 0.6, 0.7, 0.65, 0.9, 0.95}
	cfg := DefaultTrainConfig
	cfg.Epochs, cfg.EarlyStop = 20, 3
	d := toyData(1)
	calls := 0
	var bestParams []float32
	d.Validate = func(n *Net[float32]) (float64, error) {
		s := scores[calls]
		if calls == 1 {
			bestParams = append([]float32(nil), n.Params...)
		}
		calls++
		return s, nil
	}
	st := NewTrainState(toyNet(CGRU), cfg)
	var stopMsg string
	err := Train(context.Background(), &CPU[float32]{}, st, d, cfg, func(ev Event) {
		if ev.Kind == EventStop {
			stopMsg = ev.Message
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Epoch != 5 || st.BestEpoch != 2 || st.BestVal != 0.7 {
		t.Fatalf("stopped after epoch %d with best %g at epoch %d, want 5, 0.7, 2 (%s)", st.Epoch, st.BestVal, st.BestEpoch, stopMsg)
	}
	for i := range bestParams {
		if st.Best.Params[i] != bestParams[i] {
			t.Fatal("best network is not the one of epoch 2")
		}
	}
	var improved []int
	for _, r := range st.History {
		if r.Improved {
			improved = append(improved, r.Epoch)
		}
	}
	if len(improved) != 2 || improved[0] != 1 || improved[1] != 2 {
		t.Errorf("improved epochs %v, want [1 2] (0.7 again is not an improvement)", improved)
	}
}

// nanEngine returns a NaN loss on chosen calls of LossGrad.
type nanEngine struct {
	CPU[float32]
	calls  int
	failAt map[int]bool
}

func (e *nanEngine) LossGrad(net *Net[float32], x Seqs[float32], labels []int, loss Loss, grad []float32) (float64, []float64) {
	e.calls++
	l, d := e.CPU.LossGrad(net, x, labels, loss, grad)
	if e.failAt[e.calls] {
		return math.NaN(), d
	}
	return l, d
}

// TestRollback: a non-finite loss in epoch 2 rolls back to the start of the
// epoch, halves the learning rate, says so, and the epoch is redone; a run
// that keeps failing ends with ErrDiverged and finite parameters.
func TestRollback(t *testing.T) {
	cfg := DefaultTrainConfig
	cfg.Epochs = 3
	d := toyData(2) // 4 batches per epoch
	e := &nanEngine{failAt: map[int]bool{6: true}}
	st := NewTrainState(toyNet(CGRU), cfg)
	var msgs []string
	if err := Train(context.Background(), e, st, d, cfg, func(ev Event) {
		if ev.Kind == EventRollback {
			msgs = append(msgs, ev.Message)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || st.History[1].Rollbacks != 1 || st.History[1].LR != cfg.LR/2 || st.Opt.T != 12 {
		t.Fatalf("rollback messages %q, epoch 2 record %+v, %d Adam steps (want 1 message, 1 rollback, lr halved, 12 steps)", msgs, st.History[1], st.Opt.T)
	}
	always := map[int]bool{}
	for i := 1; i < 100; i++ {
		always[i] = true
	}
	st = NewTrainState(toyNet(SGRU), cfg)
	err := Train(context.Background(), &nanEngine{failAt: always}, st, d, cfg, nil)
	if !errors.Is(err, ErrDiverged) || !finite(st.Net.Params) || st.Opt.T != 0 {
		t.Fatalf("error %v, finite %v, steps %d: want ErrDiverged with the initial network", err, finite(st.Net.Params), st.Opt.T)
	}
}

// TestCancel: a cancelled context stops at once and leaves the state at the
// start of the epoch.
func TestCancel(t *testing.T) {
	cfg := DefaultTrainConfig
	d := toyData(3)
	st := NewTrainState(toyNet(CGRU), cfg)
	before := st.Net.Clone()
	ctx, cancel := context.WithCancel(context.Background())
	err := Train(ctx, &CPU[float32]{}, st, d, cfg, func(ev Event) {
		if ev.Kind == EventBatch && ev.Batch == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || st.Epoch != 0 {
		t.Fatalf("error %v after epoch %d", err, st.Epoch)
	}
	for i := range before.Params {
		if st.Net.Params[i] != before.Params[i] {
			t.Fatal("cancelled epoch changed the network")
		}
	}
}

// TestTrainLearns: on the toy problem the loss falls.
func TestTrainLearns(t *testing.T) {
	cfg := DefaultTrainConfig
	cfg.Epochs, cfg.LR = 30, 1e-2
	for _, kind := range []Kind{SGRU, CGRU} {
		st := NewTrainState(toyNet(kind), cfg)
		st.Opt.LR = cfg.LR
		if err := Train(context.Background(), &CPU[float32]{}, st, toyData(4), cfg, nil); err != nil {
			t.Fatal(err)
		}
		first, last := st.History[0].Loss, st.History[len(st.History)-1].Loss
		if !(last < 0.7*first) {
			t.Errorf("%s: loss %g → %g, want it to fall by 30%%", kind, first, last)
		}
	}
}
