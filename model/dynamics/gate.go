package dynamics

import (
	"context"
	"fmt"
	"math"

	"github.com/cgru/cgru/model"
)

// GateSide is one side of a [GateStudy]: what a trained CGRU does with a
// set of pairs of one kind (all positive or all negative), with its
// learned gate and with the gate forced to 0 ([GateOff]). Its JSON is the
// "positive" and "negative" object of `cgru sync gate --json` (which
// `cgru report --sync` reads back) and of the page's sync.gate.
type GateSide struct {
	Pairs int `json:"pairs"`
	// Per step t = 1…T, means over the pairs and their (population)
	// standard deviations: the coupling gate (averaged over units), the
	// sync error ‖h_t − h'_t‖ with the learned gate, and the same with the
	// gate forced to 0.
	Gate           []float64 `json:"gate"`
	GateSD         []float64 `json:"gate_sd"`
	Error          []float64 `json:"error"`
	ErrorSD        []float64 `json:"error_sd"`
	ErrorGateOff   []float64 `json:"error_gate_off"`
	ErrorGateOffSD []float64 `json:"error_gate_off_sd"`
	// Summaries: the gate averaged over steps and pairs, and the mean
	// distance ‖h_T − h'_T‖ with the gate and with it off.
	MeanGate        float64 `json:"mean_gate"`
	Distance        float64 `json:"distance"`
	DistanceGateOff float64 `json:"distance_gate_off"`
	// Each pair's step-averaged gate and its distances with the gate and
	// with it off, in the order of the pairs, for further analysis (a
	// reader that needs no per-pair values may drop them: nil is left out
	// of the JSON).
	PairGate        []float64 `json:"pair_gate,omitempty"`
	PairDist        []float64 `json:"pair_distance,omitempty"`
	PairDistGateOff []float64 `json:"pair_distance_gate_off,omitempty"`
}

// GateStudy asks whether a trained CGRU's gate couples similar pairs more:
// positive pairs (two windows of one class) against negative pairs
// (different classes), gate on against gate forced to 0. It is the
// computation of `cgru sync gate` and of the page's sync.gate, and its
// JSON is their fields of the same names.
type GateStudy struct {
	// GateAUC is the probability that a random positive pair's mean gate
	// exceeds a random negative pair's (0.5: the gate does not tell them
	// apart; > 0.5: similar pairs are coupled more). GateAUCNullSE is the
	// standard error of an AUC when the two sides do not differ,
	// √((n₊ + n₋ + 1)/(12·n₊·n₋)): a gate AUC several of them away from
	// 0.5 is not chance. DistanceAUC and DistanceAUCGateOff are the
	// probability that a negative pair's distance exceeds a positive
	// pair's, with the gate and with it off.
	GateAUC            float64  `json:"gate_auc"`
	GateAUCNullSE      float64  `json:"gate_auc_null_se"`
	DistanceAUC        float64  `json:"distance_auc"`
	DistanceAUCGateOff float64  `json:"distance_auc_gate_off"`
	Positive           GateSide `json:"positive"`
	Negative           GateSide `json:"negative"`
}

// StudyGate runs the positive pairs pos and the negative pairs neg of x
// through the CGRU net, with its learned gate and with the gate forced to
// 0 ([PairProfile] of net, then of [GateOff](net), for each side in
// turn), and compares the two sides ([GateStudy]). progress, if not nil,
// is called after each of these four runs with the pairs run so far and
// the total, 2·(len(pos) + len(neg)). It looks at ctx between pairs and
// returns its error once it is done. It panics if net is not a CGRU, if
// pos or neg is empty, or if a pair is out of range of x.
func StudyGate(ctx context.Context, net *model.Net[float64], x model.Seqs[float64], pos, neg []model.Pair, progress func(done, total int)) (*GateStudy, error) {
	if net.Kind != model.CGRU {
		panic(fmt.Sprintf("dynamics: StudyGate of a %s: the gate study needs a CGRU", net.Kind))
	}
	if len(pos) == 0 || len(neg) == 0 {
		panic(fmt.Sprintf("dynamics: StudyGate of %d positive and %d negative pairs: need both", len(pos), len(neg)))
	}
	res := &GateStudy{}
	off := GateOff(net)
	done, total := 0, 2*(len(pos)+len(neg))
	for _, side := range []struct {
		pairs []model.Pair
		dst   *GateSide
	}{{pos, &res.Positive}, {neg, &res.Negative}} {
		on, err := PairProfile(ctx, net, x, side.pairs)
		if err != nil {
			return nil, err
		}
		if done += len(side.pairs); progress != nil {
			progress(done, total)
		}
		p0, err := PairProfile(ctx, off, x, side.pairs)
		if err != nil {
			return nil, err
		}
		if done += len(side.pairs); progress != nil {
			progress(done, total)
		}
		*side.dst = GateSide{Pairs: len(side.pairs), Gate: on.Gate, GateSD: on.GateSD, Error: on.Err, ErrorSD: on.ErrSD,
			ErrorGateOff: p0.Err, ErrorGateOffSD: p0.ErrSD, MeanGate: mean(on.PairGate), Distance: mean(on.PairDist),
			DistanceGateOff: mean(p0.PairDist), PairGate: on.PairGate, PairDist: on.PairDist, PairDistGateOff: p0.PairDist}
	}
	res.GateAUC = AUC(res.Positive.PairGate, res.Negative.PairGate)
	np, nn := float64(len(pos)), float64(len(neg))
	res.GateAUCNullSE = math.Sqrt((np + nn + 1) / (12 * np * nn))
	res.DistanceAUC = AUC(res.Negative.PairDist, res.Positive.PairDist)
	res.DistanceAUCGateOff = AUC(res.Negative.PairDistGateOff, res.Positive.PairDistGateOff)
	return res, nil
}

// ClassMeans returns, for each class c of 0…nClasses−1, the mean of v[i]
// over the pairs i whose first window is of class c (labels[pairs[i].A] ==
// c); NaN for a class without such pairs. With a side's PairGate or
// PairDist it gives the per-class means of `cgru sync gate`. It panics if
// v and pairs differ in length or a label is outside [0, nClasses).
func ClassMeans(pairs []model.Pair, labels []int, nClasses int, v []float64) []float64 {
	if len(v) != len(pairs) {
		panic(fmt.Sprintf("dynamics: ClassMeans of %d values for %d pairs", len(v), len(pairs)))
	}
	s, n := make([]float64, nClasses), make([]float64, nClasses)
	for i, p := range pairs {
		c := labels[p.A]
		s[c] += v[i]
		n[c]++
	}
	for c := range s {
		s[c] /= n[c] // 0/0 = NaN for a class without pairs
	}
	return s
}

// mean is the mean of v, summed in order (NaN for none).
func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
