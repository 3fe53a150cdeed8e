package app

import (
	"fmt"
	"math"

	"github.com/cgru/cgru/model"
)

// Config holds the settings of a training run, as the page edits them
// (and keeps them in the URL hash). Both networks of a side-by-side run
// share them; the coupling settings apply to the CGRU only.
type Config struct {
	Hidden          int     `json:"hidden"`                // hidden size H
	Loss            string  `json:"loss"`                  // "structural" or "contrastive"
	Margin          float64 `json:"margin"`                // contrastive: margin m
	Alpha           float64 `json:"alpha"`                 // structural: α
	Tau             float64 `json:"tau"`                   // structural: τ
	Beta            float64 `json:"beta"`                  // structural: β
	T               float64 `json:"t"`                     // structural: t
	LR              float64 `json:"lr"`                    // Adam's learning rate
	PerClass        int     `json:"per_class"`             // windows of each class per batch
	Epochs          int     `json:"epochs"`                // epochs at most
	Seed            uint64  `json:"seed"`                  // initialisation, folds, batches
	CouplingInit    string  `json:"coupling_init"`         // "paper" or "weak" (CGRU)
	Folds           int     `json:"folds"`                 // leave-subjects-out folds
	Fold            int     `json:"fold"`                  // validation fold (0: none)
	ValRefs         int     `json:"val_refs_per_class"`    // validation references per class (0: all)
	ValQueries      int     `json:"val_queries_per_class"` // validation queries per class (0: all)
	TrainPerClass   int     `json:"train_per_class"`       // train on this many windows per class (0: all)
	Normalize       bool    `json:"normalize"`             // standardise channels (off in the paper)
	WeightDecay     float64 `json:"weight_decay"`
	CouplingPenalty float64 `json:"coupling_penalty"`
	Clip            float64 `json:"clip"`
	PlateauPatience int     `json:"plateau_patience"`
	EarlyStop       int     `json:"early_stop"`
}

// DefaultConfig is the paper's protocol (DESIGN.md §4, model.DefaultTrainConfig
// and cgru train's defaults), with 10 validation references per class
// instead of the command's 20 so that an epoch's validation stays a small
// share of its time in a browser.
func DefaultConfig() Config {
	d := model.DefaultTrainConfig
	s := model.DefaultStructural
	return Config{Hidden: 20, Loss: "structural", Margin: 1, Alpha: s.Alpha, Tau: s.Tau, Beta: s.Beta, T: s.T,
		LR: d.LR, PerClass: 6, Epochs: d.Epochs, Seed: 1, CouplingInit: string(model.CouplingPaper),
		Folds: 7, Fold: 1, ValRefs: 10, WeightDecay: d.WeightDecay, CouplingPenalty: d.CouplingPenalty,
		Clip: d.ClipNorm, PlateauPatience: d.PlateauPatience, EarlyStop: d.EarlyStop}
}

// Check returns an error naming the first setting out of range.
func (c Config) Check() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	type rule struct {
		ok   bool
		name string
		val  any
		want string
	}
	for _, r := range []rule{
		{c.Hidden >= 1 && c.Hidden <= 256, "hidden", c.Hidden, "1 to 256"},
		{c.Loss == "structural" || c.Loss == "contrastive", "loss", c.Loss, "structural or contrastive"},
		{finite(c.Margin) && c.Margin >= 0, "margin", c.Margin, "a number ≥ 0"},
		{finite(c.Alpha), "alpha", c.Alpha, "a finite number"},
		{finite(c.Tau) && c.Tau > 0, "tau", c.Tau, "a number > 0"},
		{finite(c.Beta) && c.Beta >= 0, "beta", c.Beta, "a number ≥ 0"},
		{finite(c.T), "t", c.T, "a finite number"},
		{finite(c.LR) && c.LR > 0 && c.LR < 10, "lr", c.LR, "a number in (0, 10)"},
		{c.PerClass >= 1 && c.PerClass <= 64, "per_class", c.PerClass, "1 to 64"},
		{c.Epochs >= 1 && c.Epochs <= 100000, "epochs", c.Epochs, "1 to 100000"},
		{c.CouplingInit == "paper" || c.CouplingInit == "weak", "coupling_init", c.CouplingInit, "paper or weak"},
		{c.Folds >= 1 && c.Folds <= 100, "folds", c.Folds, "1 to 100"},
		{c.Fold >= 0 && c.Fold <= c.Folds, "fold", c.Fold, fmt.Sprintf("0 (none) to %d", c.Folds)},
		{c.ValRefs >= 0, "val_refs_per_class", c.ValRefs, "0 (all) or more"},
		{c.ValQueries >= 0, "val_queries_per_class", c.ValQueries, "0 (all) or more"},
		{c.TrainPerClass >= 0, "train_per_class", c.TrainPerClass, "0 (all) or more"},
		{finite(c.WeightDecay) && c.WeightDecay >= 0, "weight_decay", c.WeightDecay, "a number ≥ 0"},
		{finite(c.CouplingPenalty) && c.CouplingPenalty >= 0, "coupling_penalty", c.CouplingPenalty, "a number ≥ 0"},
		{finite(c.Clip) && c.Clip >= 0, "clip", c.Clip, "a number ≥ 0 (0: no clipping)"},
		{c.PlateauPatience >= 1, "plateau_patience", c.PlateauPatience, "1 or more"},
		{c.EarlyStop >= 0, "early_stop", c.EarlyStop, "0 (never) or more"},
	} {
		if !r.ok {
			return fmt.Errorf("setting %s: %v, want %s", r.name, r.val, r.want)
		}
	}
	return nil
}

// loss returns the configured loss.
func (c Config) loss() model.Loss {
	if c.Loss == "contrastive" {
		return model.Contrastive{Margin: c.Margin}
	}
	return model.Structural{Alpha: c.Alpha, Tau: c.Tau, Beta: c.Beta, T: c.T}
}

// train returns the training loop's settings.
func (c Config) train() model.TrainConfig {
	return model.TrainConfig{Epochs: c.Epochs, LR: c.LR, WeightDecay: c.WeightDecay, CouplingPenalty: c.CouplingPenalty,
		ClipNorm: c.Clip, PlateauPatience: c.PlateauPatience, EarlyStop: c.EarlyStop,
		MaxRollbacks: model.DefaultTrainConfig.MaxRollbacks}
}
