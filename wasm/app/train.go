package app

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/internal/harness"
	"github.com/cgru/cgru/internal/words"
	"github.com/cgru/cgru/model"
)

// Run statuses.
const (
	statusNew     = "new"     // initialised, not trained
	statusRunning = "running" // training
	statusPaused  = "paused"  // training, waiting for resume
	statusStopped = "stopped" // stopped by the user, or interrupted by a reload: can continue
	statusDone    = "done"    // all epochs, or early stopping
	statusFailed  = "failed"  // diverged or failed
	statusLoaded  = "loaded"  // from a model file
)

// run is one network of the page (the SGRU or the CGRU) and its training.
// Fields are guarded by App.mu, except st, which only the training
// goroutine touches while one runs.
type run struct {
	kind    model.Kind
	cfg     Config
	dataID  string
	st      *model.TrainState[float32]
	status  string
	message string
	origin  string
	engine  *EngineInfo
	// trainedBy names what trained a loaded model file (its training
	// record's program and engine: "cgru train (CLI)", "cgru web page
	// v1 · webgpu"), and the page after it if it trained on ("cgru train
	// (CLI), then this page · cpu"); empty for the page's own runs.
	trainedBy string

	norm         *data.Normalizer
	valSubjects  []int
	trainWindows int
	valQueries   int
	valRefs      int

	// Snapshots for readers (comparisons, evaluation, saving).
	current   *model.Net[float32] // at the end of the last epoch
	best      *model.Net[float32] // best validation accuracy (nil before the first epoch)
	bestEpoch int
	bestVal   float64
	history   []model.EpochRecord
	file64    *model.Net[float64] // the loaded model file's network, until training changes it
	fileName  string              // the name of that file (kept with file64)

	cancel context.CancelFunc
	paused bool
	resume chan struct{} // closed on resume
	done   chan struct{} // closed when the training goroutine ends
}

// newRun returns an untrained run of kind on d: the network initialised
// from cfg.Seed (the SGRU and the CGRU start from the same GRU weights).
func newRun(kind model.Kind, cfg Config, d *dataset) *run {
	net := model.NewNet[float32](kind, len(d.split.Train.Channels), cfg.Hidden)
	net.Init(cfg.Seed, model.CouplingInit(cfg.CouplingInit))
	r := &run{kind: kind, cfg: cfg, dataID: d.id, st: model.NewTrainState(net, cfg.train()), status: statusNew,
		origin: fmt.Sprintf("initialised with seed %d", cfg.Seed), current: net.Clone(), bestVal: -1}
	if cfg.Normalize {
		if tv, err := r.windows(d); err == nil {
			r.norm = data.FitNormalizer(tv.Train)
		}
	}
	return r
}

// windows returns the run's training and validation windows on d (the
// fold of cfg, and cfg.TrainPerClass windows per class first if set),
// not yet normalised.
func (r *run) windows(d *dataset) (*data.TrainVal, error) {
	c := r.cfg
	train := d.split.Train
	if c.TrainPerClass > 0 {
		train = train.Subset(data.BalancedSubset(train, c.TrainPerClass, c.Seed))
	}
	tv, err := data.SplitTrainVal(train, c.Folds, c.Fold, c.ValRefs, c.ValQueries, c.Seed)
	if err != nil {
		// data names the command's flag (fold 0); the page's form names
		// that choice otherwise.
		err = errors.New(strings.ReplaceAll(err.Error(), data.NoValidation, pageNoValidation))
	}
	return tv, err
}

// pageNoValidation is how the page says to train without validation.
const pageNoValidation = "train without validation (Validation fold “none: train on everyone”)"

// model returns the network readers use: the best one so far, else the
// current one; and how to name it.
func (r *run) model() (*model.Net[float32], string) {
	switch {
	case r.best != nil && r.bestVal >= 0:
		// A percentage, as the page shows accuracies; no parentheses, as
		// the page puts the name in some.
		return r.best, fmt.Sprintf("best validation epoch %d, %.1f%% validation accuracy", r.bestEpoch, 100*r.bestVal)
	case r.best != nil:
		return r.best, fmt.Sprintf("after epoch %d", r.bestEpoch)
	case r.status == statusLoaded:
		return r.current, r.origin
	}
	return r.current, "untrained (" + r.origin + ")"
}

// model64 returns the network in float64 for comparisons: the loaded
// file's own values when nothing changed them.
func (r *run) model64() *model.Net[float64] {
	if r.file64 != nil {
		return r.file64
	}
	n, _ := r.model()
	return model.Convert[float64](n)
}

// RunInfo describes a run for the page.
type RunInfo struct {
	// Seq orders the descriptions of runs: replies and events may cross on
	// their way to the page, which keeps the highest Seq of each kind.
	Seq       uint64              `json:"seq"`
	Kind      model.Kind          `json:"kind"`
	Status    string              `json:"status"`
	Message   string              `json:"message,omitempty"`
	Origin    string              `json:"origin"`
	TrainedBy string              `json:"trained_by,omitempty"`
	Config    Config              `json:"config"`
	DataID    string              `json:"data_id"`
	Engine    *EngineInfo         `json:"engine,omitempty"`
	Epoch     int                 `json:"epoch"`
	BestEpoch int                 `json:"best_epoch"`
	BestVal   float64             `json:"best_val_acc"`
	Model     string              `json:"model"` // which network comparisons use
	History   []model.EpochRecord `json:"history"`
	Params    int                 `json:"params"`

	ValSubjects  []int `json:"val_subjects,omitempty"`
	TrainWindows int   `json:"train_windows,omitempty"`
	ValQueries   int   `json:"val_queries,omitempty"`
	ValRefs      int   `json:"val_refs,omitempty"`
	Normalized   bool  `json:"normalized"`
}

// info describes r, stamped with the next sequence number (a.mu held).
func (a *App) info(r *run) *RunInfo {
	a.seq++
	i := r.info()
	i.Seq = a.seq
	return i
}

func (r *run) info() *RunInfo {
	_, desc := r.model()
	h := r.history
	if h == nil {
		h = []model.EpochRecord{}
	}
	return &RunInfo{Kind: r.kind, Status: r.status, Message: r.message, Origin: r.origin, TrainedBy: r.trainedBy, Config: r.cfg, DataID: r.dataID,
		Engine: r.engine, Epoch: len(r.history), BestEpoch: r.bestEpoch, BestVal: r.bestVal, Model: desc, History: h,
		Params: len(r.current.Params), ValSubjects: r.valSubjects, TrainWindows: r.trainWindows,
		ValQueries: r.valQueries, ValRefs: r.valRefs, Normalized: r.norm != nil}
}

// trained reports whether r holds training worth keeping: a model file,
// or at least one epoch.
func (r *run) trained() bool {
	return r.status == statusLoaded || len(r.history) > 0 || r.best != nil
}

func (r *run) active() bool { return r.status == statusRunning || r.status == statusPaused }

// training reports whether a run is training.
func (a *App) training() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range a.runs {
		if r.active() {
			return true
		}
	}
	return false
}

func init() {
	Register("train.start", opTrainStart)
	Register("train.pause", opTrainPause)
	Register("train.resume", opTrainResume)
	Register("train.stop", opTrainStop)
	Register("train.reset", opTrainReset)
	Register("runs", opRuns)
	Register("run.checkpoint", opRunCheckpoint)
	Register("run.restore", opRunRestore)
	Register("model.save", opModelSave)
	Register("model.load", opModelLoad)
}

// kindsArg parses a list of kinds ("sgru", "cgru"); empty means both.
func kindsArg(names []string) ([]model.Kind, error) {
	if len(names) == 0 {
		return kinds, nil
	}
	var ks []model.Kind
	for _, n := range names {
		k, err := model.ParseKind(n)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(ks, k) {
			ks = append(ks, k)
		}
	}
	return ks, nil
}

// kindArg parses the arguments {"kind": "sgru" | "cgru"} of an operation
// on one run.
func kindArg(req Request) (model.Kind, error) {
	var arg struct {
		Kind string `json:"kind"`
	}
	if err := args(req, &arg); err != nil {
		return "", err
	}
	return model.ParseKind(arg.Kind)
}

type trainArgs struct {
	Kinds []string `json:"kinds"`
	// Mode is "new" (start over from Config) or "continue" (carry on a
	// stopped, finished, loaded or restored run with its own settings;
	// only the number of epochs is taken from Config, if given).
	Mode   string  `json:"mode"`
	Config *Config `json:"config"`
}

func opTrainStart(ctx context.Context, a *App, req Request) (Reply, error) {
	var arg trainArgs
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	ks, err := kindsArg(arg.Kinds)
	if err != nil {
		return Reply{}, err
	}
	if arg.Mode == "" {
		arg.Mode = "new"
	}
	if arg.Mode != "new" && arg.Mode != "continue" {
		return Reply{}, fmt.Errorf("train.start: mode %q, want new or continue", arg.Mode)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, k := range ks {
		if a.runs[k].active() {
			return Reply{}, fmt.Errorf("the %s is already training", strings.ToUpper(string(k)))
		}
	}
	var start []*run
	epochs := map[model.Kind]int{} // a continued run's new epoch target, set once every check passed
	for _, k := range ks {
		old := a.runs[k]
		switch arg.Mode {
		case "new":
			cfg := old.cfg
			if arg.Config != nil {
				cfg = *arg.Config
			}
			if err := cfg.Check(); err != nil {
				return Reply{}, err
			}
			start = append(start, newRun(k, cfg, a.data))
		case "continue":
			if old.dataID != a.data.id {
				return Reply{}, fmt.Errorf("the %s was trained on other data: start a new run", strings.ToUpper(string(k)))
			}
			if old.status == statusFailed {
				return Reply{}, fmt.Errorf("the %s's run failed (%s): start a new run", strings.ToUpper(string(k)), old.message)
			}
			target := old.cfg.Epochs
			if arg.Config != nil && arg.Config.Epochs >= 1 {
				target = arg.Config.Epochs
			}
			if old.st.Epoch >= target {
				return Reply{}, fmt.Errorf("the %s has done %s and Epochs asks for %d: raise Epochs above %d to continue",
					strings.ToUpper(string(k)), words.Count(old.st.Epoch, "epoch"), target, old.st.Epoch)
			}
			epochs[k] = target
			start = append(start, old)
		}
	}
	// Every run's windows first: a split that leaves nothing to train or
	// validate on (one subject with a validation fold, say) starts no run.
	// A new run that cannot start takes the old one's place as failed, with
	// the reason, so that its card says why, when the old one holds no
	// training (untrained, or failed before its first epoch); a trained or
	// loaded run stays as it was (the browser's storage keeps it, and Save
	// model saves it), and the error goes back to the page alone.
	tvs := make([]*data.TrainVal, len(start))
	var werr error
	for i, r := range start {
		tv, err := r.windows(a.data)
		if err != nil {
			if old := a.runs[r.kind]; r != old && !old.trained() {
				r.status, r.message = statusFailed, err.Error()
				a.runs[r.kind] = r
				a.host.Emit("train.status", a.info(r))
			}
			werr = cmp.Or(werr, err)
		}
		tvs[i] = tv
	}
	if werr != nil {
		return Reply{}, werr
	}
	var infos []*RunInfo
	for i, r := range start {
		if n, ok := epochs[r.kind]; ok {
			r.cfg.Epochs = n
		}
		a.runs[r.kind] = r
		tctx, cancel := context.WithCancel(context.Background())
		r.cancel, r.paused, r.done = cancel, false, make(chan struct{})
		r.status, r.message = statusRunning, ""
		go a.train(tctx, r, tvs[i])
		infos = append(infos, a.info(r))
	}
	for _, r := range start {
		a.host.Emit("train.status", a.info(r))
	}
	return Reply{Value: map[string]any{"runs": infos}}, nil
}

// BatchEvent is the "train.batch" event: a batch is done.
type BatchEvent struct {
	Kind     model.Kind `json:"kind"`
	Epoch    int        `json:"epoch"`
	Epochs   int        `json:"epochs"`
	Batch    int        `json:"batch"`
	Batches  int        `json:"batches"`
	Loss     float64    `json:"loss"`
	Penalty  float64    `json:"penalty"`
	GradNorm float64    `json:"grad_norm"`
	Seconds  float64    `json:"seconds"` // since the epoch started
}

// EpochEvent is the "train.epoch" event: an epoch is done.
type EpochEvent struct {
	Kind      model.Kind        `json:"kind"`
	Epochs    int               `json:"epochs"`
	Record    model.EpochRecord `json:"record"`
	BestEpoch int               `json:"best_epoch"`
	BestVal   float64           `json:"best_val_acc"`
}

// train runs r's training loop on its own goroutine until the epochs are
// done, early stopping, divergence or ctx's cancellation.
//
// A panic anywhere in it (choosing the engine, fitting the normaliser,
// training, the report hook) ends the run as failed rather than the
// worker: in the browser a goroutine's panic would end the whole Go
// program. Every section that holds a.mu unlocks by defer, so that a
// panic inside one leaves the app usable.
func (a *App) train(ctx context.Context, r *run, tv *data.TrainVal) {
	defer close(r.done)
	var eng model.Engine[float32]
	defer func() {
		if eng != nil {
			a.host.Release(eng)
		}
	}()
	st := r.st
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("internal error in training the %s: %v", strings.ToUpper(string(r.kind)), p)
			}
		}()
		var info EngineInfo
		eng, info = a.host.Engine(ctx)
		cfg := a.setUp(r, tv, info)
		epochStart := time.Now()
		report := func(ev model.Event) {
			switch ev.Kind {
			case model.EventBatch:
				if ev.Batch == 1 {
					epochStart = time.Now()
				}
				a.host.Emit("train.batch", BatchEvent{Kind: r.kind, Epoch: ev.Epoch, Epochs: cfg.Epochs, Batch: ev.Batch,
					Batches: ev.Batches, Loss: ev.Step.Loss, Penalty: ev.Step.Penalty, GradNorm: ev.Step.GradNorm,
					Seconds: time.Since(epochStart).Seconds()})
				a.waitIfPaused(ctx, r)
				a.host.Yield()
			case model.EventEpoch:
				ckpt, err := a.endEpoch(r, st)
				a.host.Emit("train.epoch", EpochEvent{Kind: r.kind, Epochs: cfg.Epochs, Record: *ev.Record,
					BestEpoch: st.BestEpoch, BestVal: st.BestVal})
				if err == nil {
					a.host.Emit("train.checkpoint", map[string]any{"kind": r.kind, "text": string(ckpt)})
				}
				a.host.Yield()
			case model.EventRollback:
				a.host.Emit("log", map[string]any{"level": "warning", "kind": r.kind, "message": ev.Message})
			case model.EventStop:
				a.locked(func() { r.message = ev.Message })
			}
		}
		d := harness.TrainData(tv, cfg.PerClass, cfg.Seed, cfg.loss(), func(net *model.Net[float32], q, refs model.Seqs[float32]) ([]float64, error) {
			// Not cancelled by ctx: an epoch ends whole (see train.stop).
			return distanceMatrix(context.Background(), a.host.Yield, eng, net, q, refs, nil)
		})
		return model.Train(ctx, eng, st, d, cfg.train(), report)
	}()
	final, ckpt, cerr := a.endRun(r, st, err)
	if cerr == nil {
		a.host.Emit("train.checkpoint", map[string]any{"kind": r.kind, "text": string(ckpt)})
	}
	a.host.Emit("train.status", final)
}

// locked runs f with a.mu held, unlocking even if f panics.
func (a *App) locked(f func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f()
}

// setUp readies r to train on tv with the engine described by info: the
// normaliser (fitted on tv's training windows unless the run has one),
// the window counts for its card; it announces the run and returns its
// settings.
func (a *App) setUp(r *run, tv *data.TrainVal, info EngineInfo) (cfg Config) {
	var status *RunInfo
	a.locked(func() {
		r.engine = &info
		if r.trainedBy != "" {
			// A loaded model file trains on: its card names both.
			r.trainedBy = pageTrainedBy(r.trainedBy, info)
		}
		if r.cfg.Normalize {
			if r.norm == nil {
				r.norm = data.FitNormalizer(tv.Train)
			}
			tv.Normalize(r.norm)
		}
		r.valSubjects, r.trainWindows = tv.ValSubjects, tv.Train.Len()
		r.valQueries, r.valRefs = 0, 0
		if tv.Queries != nil {
			r.valQueries, r.valRefs = tv.Queries.Len(), tv.Refs.Len()
		}
		status = a.info(r)
		cfg = r.cfg
	})
	a.host.Emit("train.status", status)
	return cfg
}

// endEpoch takes the readers' snapshots of st at the end of an epoch and
// returns r's checkpoint.
func (a *App) endEpoch(r *run, st *model.TrainState[float32]) (ckpt []byte, err error) {
	a.locked(func() {
		r.current = st.Net.Clone()
		r.best, r.bestEpoch, r.bestVal = st.Best, st.BestEpoch, st.BestVal
		r.history = slices.Clone(st.History)
		r.file64, r.fileName = nil, ""
		ckpt, err = r.checkpoint()
	})
	return ckpt, err
}

// endRun records how r's training ended (err from model.Train, or the
// recovered panic) and returns its description and checkpoint.
func (a *App) endRun(r *run, st *model.TrainState[float32], err error) (final *RunInfo, ckpt []byte, cerr error) {
	a.locked(func() {
		switch {
		case errors.Is(err, context.Canceled):
			r.status = statusStopped
			r.message = fmt.Sprintf("stopped during epoch %d (the epoch in progress is dropped; the run can continue)", st.Epoch+1)
		case err != nil:
			r.status, r.message = statusFailed, err.Error()
		default:
			r.status = statusDone
		}
		r.current = st.Net.Clone()
		if st.Best != nil {
			r.best, r.bestEpoch, r.bestVal = st.Best, st.BestEpoch, st.BestVal
		}
		r.history = slices.Clone(st.History)
		r.cancel, r.paused = nil, false
		ckpt, cerr = r.checkpoint()
		final = a.info(r)
	})
	return final, ckpt, cerr
}

// waitIfPaused blocks the training goroutine while r is paused.
func (a *App) waitIfPaused(ctx context.Context, r *run) {
	var ch chan struct{}
	var info *RunInfo
	a.locked(func() {
		if !r.paused {
			return
		}
		ch = r.resume
		r.status = statusPaused
		info = a.info(r)
	})
	if info == nil {
		return
	}
	a.host.Emit("train.status", info)
	select {
	case <-ch:
	case <-ctx.Done():
	}
	a.locked(func() {
		if r.status == statusPaused {
			r.status = statusRunning
		}
		info = a.info(r)
	})
	a.host.Emit("train.status", info)
}

type kindsOnly struct {
	Kinds []string `json:"kinds"`
}

func (a *App) eachRun(req Request, fn func(r *run) error) ([]*RunInfo, error) {
	var arg kindsOnly
	if err := args(req, &arg); err != nil {
		return nil, err
	}
	ks, err := kindsArg(arg.Kinds)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var infos []*RunInfo
	for _, k := range ks {
		if err := fn(a.runs[k]); err != nil {
			return nil, err
		}
		infos = append(infos, a.info(a.runs[k]))
	}
	return infos, nil
}

func opTrainPause(ctx context.Context, a *App, req Request) (Reply, error) {
	infos, err := a.eachRun(req, func(r *run) error {
		if r.status == statusRunning && !r.paused {
			r.paused, r.resume = true, make(chan struct{})
		}
		return nil
	})
	return Reply{Value: map[string]any{"runs": infos}}, err
}

func opTrainResume(ctx context.Context, a *App, req Request) (Reply, error) {
	infos, err := a.eachRun(req, func(r *run) error {
		if r.paused {
			r.paused = false
			close(r.resume)
		}
		return nil
	})
	return Reply{Value: map[string]any{"runs": infos}}, err
}

// opTrainStop stops the runs after the batch in progress (an epoch is
// dropped whole, as model.Train does) and answers once they have stopped.
func opTrainStop(ctx context.Context, a *App, req Request) (Reply, error) {
	var wait []chan struct{}
	_, err := a.eachRun(req, func(r *run) error {
		if r.active() && r.cancel != nil {
			r.cancel()
			wait = append(wait, r.done)
		}
		return nil
	})
	if err != nil {
		return Reply{}, err
	}
	for _, ch := range wait {
		select {
		case <-ch:
		case <-ctx.Done():
			return Reply{}, ctx.Err()
		}
	}
	infos, err := a.eachRun(req, func(*run) error { return nil })
	return Reply{Value: map[string]any{"runs": infos}}, err
}

// opTrainReset replaces runs by untrained ones with their settings (or
// the given ones).
func opTrainReset(ctx context.Context, a *App, req Request) (Reply, error) {
	var arg struct {
		Kinds  []string `json:"kinds"`
		Config *Config  `json:"config"`
	}
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	if arg.Config != nil {
		if err := arg.Config.Check(); err != nil {
			return Reply{}, err
		}
	}
	ks, err := kindsArg(arg.Kinds)
	if err != nil {
		return Reply{}, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var infos []*RunInfo
	for _, k := range ks {
		if a.runs[k].active() {
			return Reply{}, fmt.Errorf("the %s is training: stop it first", strings.ToUpper(string(k)))
		}
		cfg := a.runs[k].cfg
		if arg.Config != nil {
			cfg = *arg.Config
		}
		a.runs[k] = newRun(k, cfg, a.data)
		infos = append(infos, a.info(a.runs[k]))
	}
	return Reply{Value: map[string]any{"runs": infos}}, nil
}

func opRuns(ctx context.Context, a *App, req Request) (Reply, error) {
	infos, err := a.eachRun(req, func(*run) error { return nil })
	return Reply{Value: map[string]any{"runs": infos}}, err
}

// webRun is what a checkpoint of the page records besides the training
// state (model.TrainState's checkpoint keeps it in its "run" field).
type webRun struct {
	Format       string           `json:"format"` // "cgru-web-run"
	Kind         model.Kind       `json:"kind"`
	Status       string           `json:"status"`
	Message      string           `json:"message,omitempty"`
	Origin       string           `json:"origin"`
	TrainedBy    string           `json:"trained_by,omitempty"`
	Config       Config           `json:"config"`
	DataID       string           `json:"data_id"`
	Engine       *EngineInfo      `json:"engine,omitempty"`
	Norm         *data.Normalizer `json:"normalization,omitempty"`
	ValSubjects  []int            `json:"val_subjects,omitempty"`
	TrainWindows int              `json:"train_windows,omitempty"`
	ValQueries   int              `json:"val_queries,omitempty"`
	ValRefs      int              `json:"val_refs,omitempty"`
	File64       []float64        `json:"file_params,omitempty"` // a loaded file's float64 values
	FileName     string           `json:"file_name,omitempty"`   // and its name
}

const webRunFormat = "cgru-web-run"

// checkpoint encodes the run (a.mu held; st must not be changing).
func (r *run) checkpoint() ([]byte, error) {
	w := webRun{Format: webRunFormat, Kind: r.kind, Status: r.status, Message: r.message, Origin: r.origin, TrainedBy: r.trainedBy, Config: r.cfg,
		DataID: r.dataID, Engine: r.engine, Norm: r.norm, ValSubjects: r.valSubjects, TrainWindows: r.trainWindows,
		ValQueries: r.valQueries, ValRefs: r.valRefs}
	if r.file64 != nil {
		w.File64, w.FileName = r.file64.Params, r.fileName
	}
	return r.st.MarshalCheckpoint(w)
}

func opRunCheckpoint(ctx context.Context, a *App, req Request) (Reply, error) {
	k, err := kindArg(req)
	if err != nil {
		return Reply{}, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.runs[k]
	if r.active() {
		return Reply{}, fmt.Errorf("the %s is training: its checkpoints come with its epochs", strings.ToUpper(string(k)))
	}
	b, err := r.checkpoint()
	if err != nil {
		return Reply{}, err
	}
	return Reply{Value: map[string]any{"kind": k, "text": string(b)}}, nil
}

// opRunRestore brings back a run from a checkpoint of the page (after a
// reload). A run that was training when the page went away comes back
// stopped at its last finished epoch, ready to continue.
func opRunRestore(ctx context.Context, a *App, req Request) (Reply, error) {
	var arg struct {
		Text string `json:"text"`
	}
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	st, raw, err := model.UnmarshalCheckpoint[float32]([]byte(arg.Text), "saved run")
	if err != nil {
		return Reply{}, err
	}
	var w webRun
	if err := json.Unmarshal(raw, &w); err != nil || w.Format != webRunFormat {
		return Reply{}, fmt.Errorf("saved run: not a checkpoint of the cgru page")
	}
	if err := w.Config.Check(); err != nil {
		return Reply{}, fmt.Errorf("saved run: %v", err)
	}
	if w.Kind != st.Net.Kind || w.Config.Hidden != st.Net.Hidden {
		return Reply{}, fmt.Errorf("saved run: settings (%s, H=%d) do not match its network (%s, H=%d)", w.Kind, w.Config.Hidden, st.Net.Kind, st.Net.Hidden)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if w.DataID != a.data.id {
		return Reply{}, fmt.Errorf("saved %s run: trained on other data (%s), not on the data loaded now (%s)", strings.ToUpper(string(w.Kind)), w.DataID, a.data.id)
	}
	if st.Net.Input != len(a.data.split.Train.Channels) {
		return Reply{}, fmt.Errorf("saved run: input size %d, but the data has %d channels", st.Net.Input, len(a.data.split.Train.Channels))
	}
	if a.runs[w.Kind].active() {
		return Reply{}, fmt.Errorf("the %s is training", strings.ToUpper(string(w.Kind)))
	}
	r := &run{kind: w.Kind, cfg: w.Config, dataID: w.DataID, st: st, status: w.Status, message: w.Message, origin: w.Origin,
		trainedBy: w.TrainedBy, engine: w.Engine, norm: w.Norm, valSubjects: w.ValSubjects, trainWindows: w.TrainWindows, valQueries: w.ValQueries,
		valRefs: w.ValRefs, current: st.Net.Clone(), best: st.Best, bestEpoch: st.BestEpoch, bestVal: st.BestVal,
		history: st.History}
	if len(w.File64) == len(st.Net.Params) {
		r.file64 = &model.Net[float64]{Kind: st.Net.Kind, Input: st.Net.Input, Hidden: st.Net.Hidden, Params: w.File64}
		r.fileName = w.FileName
	}
	if r.active() {
		r.status = statusStopped
		r.message = fmt.Sprintf("interrupted by a reload after epoch %d: continue to carry on", st.Epoch)
	}
	a.runs[w.Kind] = r
	return Reply{Value: a.info(r)}, nil
}

// record is the "training" field of the model files the page writes:
// model.TrainRecord, the record cgru train writes (so that cgru eval
// --split val finds the validation subjects, and cgru report the
// settings), with the page's own fields filled.
func (r *run) record(d *dataset) model.TrainRecord {
	c := r.cfg
	rec := model.TrainRecord{Data: d.source, Kind: r.kind, Hidden: c.Hidden, PerClass: c.PerClass, Seed: c.Seed,
		Folds: c.Folds, Fold: c.Fold, ValSubjects: r.valSubjects, ValRefs: c.ValRefs, ValQueries: c.ValQueries,
		Normalize: c.Normalize, Config: c.train(), Threads: 1, TrainWindows: r.trainWindows, BestEpoch: r.bestEpoch,
		BestValAcc: r.bestVal, History: r.history, TrainPerClass: c.TrainPerClass, App: "cgru web page " + Version()}
	rec.SetLoss(c.loss())
	if r.kind == model.CGRU {
		rec.CouplingInit = model.CouplingInit(c.CouplingInit)
	}
	if e := r.engine; e != nil {
		rec.Backend, rec.Adapter = e.Backend, e.Adapter
	}
	return rec
}

func opModelSave(ctx context.Context, a *App, req Request) (Reply, error) {
	k, err := kindArg(req)
	if err != nil {
		return Reply{}, err
	}
	a.mu.Lock()
	r := a.runs[k]
	net := r.model64()
	_, desc := r.model()
	rec, _ := json.Marshal(r.record(a.data))
	f := &model.File{Net: net, Dataset: a.data.title, Training: rec}
	if k == model.CGRU {
		f.CouplingInit = model.CouplingInit(r.cfg.CouplingInit)
	}
	if r.norm != nil {
		f.Normalization = &model.Normalization{Mean: r.norm.Mean, Std: r.norm.Std}
	}
	a.mu.Unlock()
	b, err := f.Marshal()
	if err != nil {
		return Reply{}, err
	}
	name := fmt.Sprintf("%s-h%d-seed%d.json", k, net.Hidden, r.cfg.Seed)
	return Reply{Value: map[string]any{"kind": k, "name": name, "model": desc, "text": string(b)}}, nil
}

// trainedBy names the program and the engine that wrote a training
// record: the page names itself in App; cgru train leaves App out.
func trainedBy(rec model.TrainRecord) string {
	s := rec.App
	if s == "" {
		s = "cgru train (CLI)"
	}
	if rec.Backend != "" {
		s += " · " + engineName(rec.Backend, rec.Adapter)
	}
	return s
}

// engineName is a backend with its adapter: "webgpu (SwiftShader)", "cpu".
func engineName(backend, adapter string) string {
	if adapter != "" {
		return backend + " (" + adapter + ")"
	}
	return backend
}

// thenThisPage joins what trained a model file to the page's training of
// it after loading.
const thenThisPage = ", then this page"

// pageTrainedBy says that the page trained on with the engine info a
// network that by (trainedBy's words) trained first: "cgru train (CLI),
// then this page · cpu". Training on again names the engine of the last
// time.
func pageTrainedBy(by string, info EngineInfo) string {
	by, _, _ = strings.Cut(by, thenThisPage)
	return by + thenThisPage + " · " + engineName(info.Backend, info.Adapter)
}

// opModelLoad replaces a run by the network of a model file (its kind
// says which run). Its training record, when it has one, gives the
// settings and the history shown. {kind}, when given (the Load button of
// one run's card), is the run the user means to replace: a file of the
// other kind is refused, not loaded into the other run, which the user did
// not ask to replace.
func opModelLoad(ctx context.Context, a *App, req Request) (Reply, error) {
	if len(req.Files) != 1 {
		return Reply{}, errors.New("model.load: give one model file")
	}
	var arg struct {
		Kind string `json:"kind"`
	}
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	f := req.Files[0]
	mf, err := model.ParseFile(f.Data, f.Path)
	if err != nil {
		return Reply{}, err
	}
	if arg.Kind != "" {
		want, err := model.ParseKind(arg.Kind)
		if err != nil {
			return Reply{}, err
		}
		if got := mf.Net.Kind; got != want {
			G, W := strings.ToUpper(string(got)), strings.ToUpper(string(want))
			return Reply{}, fmt.Errorf("%s is %s %s model, not %s %s: load it with the %s card's “Load model…” (or drop it on the page); the %s was not replaced",
				f.Path, article(got), G, article(want), W, G, W)
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if ch := len(a.data.split.Train.Channels); mf.Net.Input != ch {
		return Reply{}, fmt.Errorf("%s: input size %d, but the data loaded has %d channels", f.Path, mf.Net.Input, ch)
	}
	k := mf.Net.Kind
	if a.runs[k].active() {
		return Reply{}, fmt.Errorf("the %s is training: stop it before loading a model file", strings.ToUpper(string(k)))
	}
	cfg := a.runs[k].cfg
	cfg.Hidden = mf.Net.Hidden
	var rec model.TrainRecord
	hasRec := len(mf.Training) > 0 && json.Unmarshal(mf.Training, &rec) == nil
	if hasRec {
		cfg.applyRecord(rec)
	}
	if mf.CouplingInit != "" {
		cfg.CouplingInit = string(mf.CouplingInit)
	}
	if cfg.Check() != nil {
		cfg = a.runs[k].cfg
		cfg.Hidden = mf.Net.Hidden
	}
	net := model.Convert[float32](mf.Net)
	st := model.NewTrainState(net, cfg.train())
	st.Best, st.BestEpoch, st.BestVal, st.History = net.Clone(), rec.BestEpoch, -1, rec.History
	if rec.BestEpoch > 0 {
		st.BestVal = rec.BestValAcc
	}
	st.Epoch = len(rec.History)
	if st.Epoch >= cfg.Epochs {
		cfg.Epochs = st.Epoch
	}
	r := &run{kind: k, cfg: cfg, dataID: a.data.id, st: st, status: statusLoaded, origin: "loaded from " + f.Path,
		current: net.Clone(), best: st.Best, bestEpoch: st.BestEpoch, bestVal: st.BestVal, history: rec.History,
		file64: mf.Net, fileName: f.Path, valSubjects: rec.ValSubjects, trainWindows: rec.TrainWindows, trainedBy: "no training record in the file"}
	if hasRec {
		r.trainedBy = trainedBy(rec)
	}
	if nm := mf.Normalization; nm != nil {
		r.norm = &data.Normalizer{Mean: nm.Mean, Std: nm.Std}
	}
	a.runs[k] = r
	return Reply{Value: a.info(r)}, nil
}

// article is the indefinite article before a kind's name said as letters:
// "an SGRU" (ess), "a CGRU" (see).
func article(k model.Kind) string {
	if k == model.SGRU {
		return "an"
	}
	return "a"
}

// applyRecord takes the settings a model file's training record gives.
func (c *Config) applyRecord(r model.TrainRecord) {
	if r.Loss != "" {
		c.Loss = r.Loss
		if r.Loss == "contrastive" {
			c.Margin = r.Margin
		} else {
			c.Alpha, c.Tau, c.Beta, c.T = r.Alpha, r.Tau, r.Beta, r.T
		}
	}
	if r.PerClass > 0 {
		c.PerClass = r.PerClass
	}
	if r.Seed > 0 {
		c.Seed = r.Seed
	}
	if r.Folds > 0 {
		c.Folds, c.Fold = r.Folds, r.Fold
	}
	c.ValRefs, c.ValQueries, c.Normalize, c.TrainPerClass = r.ValRefs, r.ValQueries, r.Normalize, r.TrainPerClass
	if r.Config.Epochs > 0 {
		t := r.Config
		c.Epochs, c.LR, c.WeightDecay, c.CouplingPenalty, c.Clip = t.Epochs, t.LR, t.WeightDecay, t.CouplingPenalty, t.ClipNorm
		c.PlateauPatience, c.EarlyStop = t.PlateauPatience, t.EarlyStop
	}
}
