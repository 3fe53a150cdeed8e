package model

import "fmt"

// TrainRecord is how a network was trained: the "training" field of the
// model files that cgru train and the web page write (one schema for
// both, so that either reads the other's files: cgru eval --split val
// takes the validation subjects from it, cgru report the settings and the
// history, the page the settings of a loaded run), and the run settings
// in cgru train's checkpoints. Fields a writer does not know stay empty;
// those marked omitempty are then left out.
//
//	{"data": "embedded", "kind": "cgru", "hidden_size": 20, "coupling_init": "paper",
//	 "loss": "structural", "alpha": 1, "tau": 1, "beta": 1, "t": 1,
//	 "batch_per_class": 6, "seed": 1, "folds": 7, "fold": 1, "val_subjects": [3, 23, 30],
//	 "val_refs_per_class": 20, "val_queries": 0, "normalize": false, "config": {…TrainConfig},
//	 "threads": 0, "backend": "cpu", "train_windows": 369, "best_epoch": 2, "best_val_acc": 0.59,
//	 "history": [{…EpochRecord}…], "train_per_class": 0, "app": "…"}
type TrainRecord struct {
	// Data names the dataset: "embedded", a UCI HAR folder or zip, or a
	// CSV file (cgru train's --data), or what the page loaded.
	Data   string `json:"data"`
	Kind   Kind   `json:"kind"`
	Hidden int    `json:"hidden_size"`
	// CouplingInit is how the coupling started (CGRU only).
	CouplingInit CouplingInit `json:"coupling_init,omitempty"`
	// Loss is "contrastive" (with Margin) or "structural" (with Alpha,
	// Tau, Beta, T); see SetLoss and LossFunc.
	Loss   string  `json:"loss"`
	Margin float64 `json:"margin,omitempty"`
	Alpha  float64 `json:"alpha,omitempty"`
	Tau    float64 `json:"tau,omitempty"`
	Beta   float64 `json:"beta,omitempty"`
	T      float64 `json:"t,omitempty"`
	// PerClass windows of each class make a batch.
	PerClass int    `json:"batch_per_class"`
	Seed     uint64 `json:"seed"`
	// Folds leave-subjects-out folds; Fold is the validation fold,
	// 1-based (0: no validation, all training subjects), and ValSubjects
	// its subjects.
	Folds       int   `json:"folds"`
	Fold        int   `json:"fold"`
	ValSubjects []int `json:"val_subjects,omitempty"`
	// ValRefs and ValQueries: the validation references per class (0:
	// all the fold's training windows) and queries per class (0: all the
	// fold's validation windows).
	ValRefs    int  `json:"val_refs_per_class"`
	ValQueries int  `json:"val_queries"`
	Normalize  bool `json:"normalize"`
	// Config is the training loop's settings.
	Config  TrainConfig `json:"config"`
	Threads int         `json:"threads"`
	// Backend is what ran: cpu or webgpu ("webgpu, then cpu" after a GPU
	// failure), and Adapter the GPU adapter.
	Backend string `json:"backend,omitempty"`
	Adapter string `json:"adapter,omitempty"`
	// TrainWindows is the number of windows trained on.
	TrainWindows int `json:"train_windows"`
	// BestEpoch and BestValAcc: the epoch of the best validation 1-NN
	// accuracy and that accuracy; History, every epoch.
	BestEpoch  int           `json:"best_epoch,omitempty"`
	BestValAcc float64       `json:"best_val_acc,omitempty"`
	History    []EpochRecord `json:"history,omitempty"`
	// TrainPerClass is the windows per class the training split was cut
	// to first (the page's setting; 0: all).
	TrainPerClass int `json:"train_per_class,omitempty"`
	// App names the program and version that wrote the record (the page
	// writes it; cgru train leaves it out).
	App string `json:"app,omitempty"`
}

// SetLoss records the loss l: its name and its parameters (the others
// zero). It panics for a Loss other than Contrastive and Structural.
func (r *TrainRecord) SetLoss(l Loss) {
	r.Margin, r.Alpha, r.Tau, r.Beta, r.T = 0, 0, 0, 0, 0
	switch l := l.(type) {
	case Contrastive:
		r.Loss, r.Margin = "contrastive", l.Margin
	case Structural:
		r.Loss, r.Alpha, r.Tau, r.Beta, r.T = "structural", l.Alpha, l.Tau, l.Beta, l.T
	default:
		panic(fmt.Sprintf("model: TrainRecord.SetLoss of a %T", l))
	}
}

// LossFunc returns the recorded loss: Contrastive when Loss is
// "contrastive", Structural otherwise.
func (r *TrainRecord) LossFunc() Loss {
	if r.Loss == "contrastive" {
		return Contrastive{Margin: r.Margin}
	}
	return Structural{Alpha: r.Alpha, Tau: r.Tau, Beta: r.Beta, T: r.T}
}
