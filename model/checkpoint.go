package model

import (
	"encoding/json"
	"fmt"
	"math"
)

// CheckpointFormat identifies a checkpoint file.
const CheckpointFormat = "cgru-checkpoint"

// checkpoint is the JSON form of a TrainState. Values are written as
// float64 (exact for float32) so that a resumed run continues bit for bit.
type checkpoint struct {
	Format    string          `json:"format"`
	Version   int             `json:"version"`
	Kind      Kind            `json:"kind"`
	Input     int             `json:"input_size"`
	Hidden    int             `json:"hidden_size"`
	Params    []float64       `json:"params"` // flat, in the order of Layout
	Adam      ckptAdam        `json:"adam"`
	Plateau   ckptPlateau     `json:"plateau"`
	Epoch     int             `json:"epoch"`
	Best      []float64       `json:"best_params,omitempty"`
	BestEpoch int             `json:"best_epoch"`
	BestVal   float64         `json:"best_val_acc"`
	BadEpochs int             `json:"bad_epochs"`
	History   []EpochRecord   `json:"history"`
	Run       json.RawMessage `json:"run,omitempty"` // the caller's settings (data, seed, …)
}

type ckptAdam struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
	T                                  int
	M, V                               []float64
}

type ckptPlateau struct {
	Patience                 int
	Factor, Threshold, MinLR float64
	Best                     *float64 // nil: nothing seen yet (+Inf)
	Bad                      int
}

func to64[F Float](s []F) []float64 {
	if s == nil {
		return nil
	}
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}

func from64[F Float](s []float64) []F {
	if s == nil {
		return nil
	}
	out := make([]F, len(s))
	for i, v := range s {
		out[i] = F(v)
	}
	return out
}

// MarshalCheckpoint encodes st with the caller's run settings.
func (st *TrainState[F]) MarshalCheckpoint(run any) ([]byte, error) {
	c := checkpoint{Format: CheckpointFormat, Version: 1, Kind: st.Net.Kind, Input: st.Net.Input, Hidden: st.Net.Hidden,
		Params: to64(st.Net.Params), Epoch: st.Epoch, BestEpoch: st.BestEpoch, BestVal: st.BestVal,
		BadEpochs: st.BadEpochs, History: st.History}
	o := st.Opt
	c.Adam = ckptAdam{LR: o.LR, Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps, WeightDecay: o.WeightDecay, T: o.T, M: to64(o.M), V: to64(o.V)}
	p := st.Plateau
	c.Plateau = ckptPlateau{Patience: p.Patience, Factor: p.Factor, Threshold: p.Threshold, MinLR: p.MinLR, Bad: p.Bad}
	if !math.IsInf(p.Best, 1) {
		b := p.Best
		c.Plateau.Best = &b
	}
	if st.Best != nil {
		c.Best = to64(st.Best.Params)
	}
	if run != nil {
		r, err := json.Marshal(run)
		if err != nil {
			return nil, err
		}
		c.Run = r
	}
	if !finite(c.Params) {
		return nil, fmt.Errorf("model: checkpoint of non-finite parameters")
	}
	return json.Marshal(c)
}

// UnmarshalCheckpoint decodes a checkpoint written by MarshalCheckpoint
// and returns the state and the caller's run settings. name is used in
// errors.
func UnmarshalCheckpoint[F Float](b []byte, name string) (*TrainState[F], json.RawMessage, error) {
	var c checkpoint
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, JSONError(b, err))
	}
	if c.Format != CheckpointFormat || c.Version != 1 {
		return nil, nil, fmt.Errorf("%s: format %q version %d, want %q version 1", name, c.Format, c.Version, CheckpointFormat)
	}
	if _, err := ParseKind(string(c.Kind)); err != nil || c.Input <= 0 || c.Hidden <= 0 {
		return nil, nil, fmt.Errorf("%s: kind %q, input_size %d, hidden_size %d: not a network", name, c.Kind, c.Input, c.Hidden)
	}
	l := NewLayout(c.Kind, c.Input, c.Hidden)
	n := l.Size
	for _, v := range []struct {
		field string
		vals  []float64
		given bool
	}{{"params", c.Params, true}, {"best_params", c.Best, c.Best != nil},
		{"adam.M", c.Adam.M, c.Adam.M != nil || c.Adam.V != nil}, {"adam.V", c.Adam.V, c.Adam.M != nil || c.Adam.V != nil}} {
		if v.given && len(v.vals) != n {
			return nil, nil, fmt.Errorf("%s: %s has %d values, want %d (the %s network's parameters: input_size %d, hidden_size %d)",
				name, v.field, len(v.vals), n, c.Kind, c.Input, c.Hidden)
		}
	}
	net := &Net[F]{Kind: c.Kind, Input: c.Input, Hidden: c.Hidden, Params: from64[F](c.Params)}
	st := &TrainState[F]{Net: net, Epoch: c.Epoch, BestEpoch: c.BestEpoch, BestVal: c.BestVal,
		BadEpochs: c.BadEpochs, History: c.History}
	a := c.Adam
	st.Opt = &Adam[F]{LR: a.LR, Beta1: a.Beta1, Beta2: a.Beta2, Eps: a.Eps, WeightDecay: a.WeightDecay, T: a.T,
		M: from64[F](a.M), V: from64[F](a.V)}
	p := c.Plateau
	st.Plateau = &Plateau{Patience: p.Patience, Factor: p.Factor, Threshold: p.Threshold, MinLR: p.MinLR, Bad: p.Bad, Best: math.Inf(1)}
	if p.Best != nil {
		st.Plateau.Best = *p.Best
	}
	if c.Best != nil {
		st.Best = &Net[F]{Kind: c.Kind, Input: c.Input, Hidden: c.Hidden, Params: from64[F](c.Best)}
	}
	return st, c.Run, nil
}
