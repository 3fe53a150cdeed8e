package model

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/cgru/cgru/internal/words"
)

// TrainConfig holds the settings of the training protocol (DESIGN.md §4).
type TrainConfig struct {
	Epochs          int     `json:"epochs"`           // epochs at most
	LR              float64 `json:"lr"`               // Adam's initial learning rate
	WeightDecay     float64 `json:"weight_decay"`     // L2 decay inside Adam (torch's weight_decay)
	CouplingPenalty float64 `json:"coupling_penalty"` // weight of ‖W_hc‖_F in the training loss (CGRU)
	ClipNorm        float64 `json:"clip_norm"`        // global gradient norm (≤ 0: no clipping)
	PlateauPatience int     `json:"plateau_patience"` // epochs without training-loss improvement before halving the rate
	EarlyStop       int     `json:"early_stop"`       // epochs without validation improvement before stopping (0: never)
	MaxRollbacks    int     `json:"max_rollbacks"`    // non-finite steps tolerated per epoch before giving up
}

// DefaultTrainConfig is the paper's setup: Adam with learning rate 1e-3,
// weight decay 1e-4, coupling penalty 0.01, clipping at 6, the rate halved
// after 10 epochs without improvement of the training loss; early
// stopping after 20 epochs without a better validation accuracy (our
// choice: the paper names early stopping, not its patience).
var DefaultTrainConfig = TrainConfig{Epochs: 100, LR: 1e-3, WeightDecay: 1e-4, CouplingPenalty: 0.01,
	ClipNorm: 6, PlateauPatience: 10, EarlyStop: 20, MaxRollbacks: 3}

// EpochRecord is what one epoch did.
type EpochRecord struct {
	Epoch        int     `json:"epoch"`         // 1-based
	Loss         float64 `json:"loss"`          // mean pair loss over the epoch's batches
	Penalty      float64 `json:"penalty"`       // mean coupling penalty (CGRU)
	CouplingNorm float64 `json:"coupling_norm"` // ‖W_hc‖_F at the end of the epoch (CGRU)
	GradNorm     float64 `json:"grad_norm"`     // mean gradient norm before clipping
	ValAcc       float64 `json:"val_acc"`       // validation 1-NN accuracy (−1: no validation)
	LR           float64 `json:"lr"`            // learning rate used in the epoch
	Improved     bool    `json:"improved"`      // best validation accuracy so far
	Rollbacks    int     `json:"rollbacks"`     // non-finite steps rolled back
	Seconds      float64 `json:"seconds"`
}

// TrainState is everything a run needs to continue: the network, the
// optimiser, the schedule, the best network so far and the history. The
// batches of epoch e come from the caller's Batches(e), derived from the
// run's seed and e, so the epoch number is the whole random state.
type TrainState[F Float] struct {
	Net       *Net[F]
	Opt       *Adam[F]
	Plateau   *Plateau
	Epoch     int     // epochs completed
	Best      *Net[F] // network with the best validation accuracy (nil before the first)
	BestEpoch int
	BestVal   float64
	BadEpochs int // epochs since the validation accuracy last improved
	History   []EpochRecord
}

// NewTrainState starts a run from net (not copied) with cfg's optimiser.
func NewTrainState[F Float](net *Net[F], cfg TrainConfig) *TrainState[F] {
	opt := NewAdam[F]()
	opt.LR, opt.WeightDecay = cfg.LR, cfg.WeightDecay
	pl := NewPlateau()
	pl.Patience = cfg.PlateauPatience
	return &TrainState[F]{Net: net, Opt: opt, Plateau: pl, BestVal: -1}
}

// TrainData is what the loop trains on. Batches(e) returns the batches of
// epoch e (1-based), each a list of indices into X. Validate, if not nil,
// returns the validation accuracy of a network (the loop keeps the best
// network and stops early on it).
type TrainData[F Float] struct {
	X        Seqs[F]
	Labels   []int
	Loss     Loss
	Batches  func(epoch int) [][]int
	Validate func(net *Net[F]) (float64, error)
}

// EventKind says what a training Event reports.
type EventKind int

const (
	EventBatch    EventKind = iota // a batch is done
	EventEpoch                     // an epoch is done (Record is set)
	EventRollback                  // a non-finite step was rolled back (Message says what)
	EventStop                      // training ended (Message says why)
)

// Event is a progress report of Train.
type Event struct {
	Kind           EventKind
	Epoch          int // 1-based epoch in progress
	Batch, Batches int // batches done in the epoch, and their number
	Step           StepResult
	Record         *EpochRecord
	Message        string
}

// ErrDiverged is returned when an epoch keeps producing non-finite values
// after MaxRollbacks rollbacks.
var ErrDiverged = errors.New("training diverged: non-finite loss or gradient after rollbacks")

// Train continues the run st for cfg.Epochs epochs in all (counting those
// already in st), reporting through report (which may be nil). Each epoch
// is a pass over d.Batches(epoch) with TrainStep; a non-finite loss or
// gradient rolls back to the state at the start of the epoch, halves the
// learning rate and retries the epoch (at most cfg.MaxRollbacks times).
// After each epoch it validates, keeps the best network, halves the rate
// on a training-loss plateau and stops early as cfg says. When ctx is
// cancelled Train returns ctx's error after the batch in progress; st is
// then at the start of that epoch, consistent and resumable. It does no
// I/O.
func Train[F Float](ctx context.Context, e Engine[F], st *TrainState[F], d TrainData[F], cfg TrainConfig, report func(Event)) error {
	if report == nil {
		report = func(Event) {}
	}
	reg := Regularization{Coupling: cfg.CouplingPenalty, ClipNorm: cfg.ClipNorm}
	grad := make([]F, len(st.Net.Params))
	stop := func(msg string) { report(Event{Kind: EventStop, Epoch: st.Epoch, Message: msg}) }
	for st.Epoch < cfg.Epochs {
		if cfg.EarlyStop > 0 && st.BadEpochs >= cfg.EarlyStop {
			stop(fmt.Sprintf("early stop: no better validation accuracy for %s (best %.4f at epoch %d)", words.Count(st.BadEpochs, "epoch"), st.BestVal, st.BestEpoch))
			return nil
		}
		epoch := st.Epoch + 1
		batches := d.Batches(epoch)
		start := time.Now()
		snapNet, snapOpt := st.Net.Clone(), st.Opt.clone()
		rec := EpochRecord{Epoch: epoch, ValAcc: -1}
		for attempt := 0; ; attempt++ {
			rec.Loss, rec.Penalty, rec.GradNorm = 0, 0, 0
			rec.LR = st.Opt.LR
			var bad error
			for b, idx := range batches {
				if err := ctx.Err(); err != nil {
					copy(st.Net.Params, snapNet.Params)
					st.Opt = snapOpt
					return err
				}
				x, labels := gather(d.X, d.Labels, idx)
				res, err := TrainStep(e, st.Net, st.Opt, reg, x, labels, d.Loss, grad)
				if err == nil && !finite(st.Net.Params) {
					err = &NonFiniteError{What: "parameters after the step"}
				}
				if err != nil {
					bad = fmt.Errorf("epoch %d batch %d: %w", epoch, b+1, err)
					break
				}
				rec.Loss += res.Loss
				rec.Penalty += res.Penalty
				rec.GradNorm += res.GradNorm
				report(Event{Kind: EventBatch, Epoch: epoch, Batch: b + 1, Batches: len(batches), Step: res})
			}
			if bad == nil {
				break
			}
			rec.Rollbacks++
			copy(st.Net.Params, snapNet.Params)
			st.Opt = snapOpt.clone()
			if attempt >= cfg.MaxRollbacks {
				stop(bad.Error())
				return fmt.Errorf("%w (%v)", ErrDiverged, bad)
			}
			st.Opt.LR /= 2
			report(Event{Kind: EventRollback, Epoch: epoch,
				Message: fmt.Sprintf("%v: rolled back to the start of the epoch, learning rate halved to %g", bad, st.Opt.LR)})
		}
		n := float64(max(len(batches), 1))
		rec.Loss /= n
		rec.Penalty /= n
		rec.GradNorm /= n
		rec.CouplingNorm = st.Net.CouplingNorm()
		if d.Validate != nil {
			acc, err := d.Validate(st.Net)
			if err != nil {
				return fmt.Errorf("epoch %d: validation: %w", epoch, err)
			}
			rec.ValAcc = acc
			if acc > st.BestVal {
				st.Best, st.BestVal, st.BestEpoch, st.BadEpochs = st.Net.Clone(), acc, epoch, 0
				rec.Improved = true
			} else {
				st.BadEpochs++
			}
		} else {
			st.Best, st.BestEpoch = st.Net.Clone(), epoch
		}
		st.Opt.LR = st.Plateau.Observe(rec.Loss+rec.Penalty, st.Opt.LR)
		rec.Seconds = time.Since(start).Seconds()
		st.Epoch = epoch
		st.History = append(st.History, rec)
		report(Event{Kind: EventEpoch, Epoch: epoch, Batch: len(batches), Batches: len(batches), Record: &rec})
	}
	stop("done: " + words.Count(st.Epoch, "epoch"))
	return nil
}

// gather copies the windows idx of x into a batch.
func gather[F Float](x Seqs[F], labels []int, idx []int) (Seqs[F], []int) {
	b := NewSeqs[F](len(idx), x.T, x.I)
	l := make([]int, len(idx))
	for i, j := range idx {
		copy(b.Seq(i), x.Seq(j))
		l[i] = labels[j]
	}
	return b, l
}

func finite[F Float](p []F) bool {
	for _, v := range p {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return false
		}
	}
	return true
}

func (a *Adam[F]) clone() *Adam[F] {
	c := *a
	c.M = append([]F(nil), a.M...)
	c.V = append([]F(nil), a.V...)
	return &c
}
