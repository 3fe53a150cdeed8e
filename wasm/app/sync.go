package app

// The Synchronization panel's operations: the synchronization lab of
// model/dynamics (cgru sync) in the page. Every number here comes from the
// same functions as the command's, on one goroutine:
//
//   - sync.lyapunov: λ_max of a GRU (random with a gain on weight_hh, or
//     the GRU of a trained network) and the diffusive threshold c*; the
//     number `cgru sync lyapunov` prints for the same flags, bit for bit
//     (model/dynamics ports exp, log and tanh so that wasm and amd64 agree).
//   - sync.pair: two copies coupled with strength c: the synchronisation
//     error per step, both trajectories projected on the principal plane of
//     the uncoupled orbit, and the transverse exponent λ⊥(c).
//   - sync.sweep: the final error after N steps over a grid of c (the
//     threshold sweep), λ⊥(c) and the threshold of the coupling form.
//   - sync.gate: a trained CGRU on real pairs of the loaded data, as
//     `cgru sync gate`: gate and error per step, positive against negative
//     pairs, gate on against gate forced to 0.
//   - sync.model: a model file studied here without replacing a run.
//   - sync.cancel: stops the request in progress in a lane.
//
// Sliders move faster than answers come. Two things keep stale requests
// cheap: the page sends a lane's next request only when the previous
// answer is back, replacing (never sending) the requests in between; and a
// request names its lane ("lyapunov", "pair", …), so that a newer request
// of the same lane cancels the older one in the worker. For the worker to
// hear the newer request while the older computes, the computations run
// under a context whose Err lets the host's event loop turn now and then
// (yieldingContext): model/dynamics looks at its context every 1024 steps
// and between pairs, so no code of the lab needs to know about the page.
//
// These operations do not take the task slot (a.beginTask): they need no
// engine (float64, model/dynamics and the CPU engine's Trace), last from a
// few milliseconds to about a second, and must answer while an evaluation
// runs.

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/internal/harness"
	"github.com/cgru/cgru/model"
	"github.com/cgru/cgru/model/dynamics"
)

func init() {
	Register("sync.lyapunov", opSyncLyapunov)
	Register("sync.pair", opSyncPair)
	Register("sync.sweep", opSyncSweep)
	Register("sync.gate", opSyncGate)
	Register("sync.model", opSyncModel)
	Register("sync.cancel", opSyncCancel)
}

// Limits of the page's requests: a slider's computation stays well under
// a second in the page (H = 20: λ_max over 6000 steps ≈ 33 ms in wasm).
const (
	syncMaxHidden = 256
	syncMaxSteps  = 200000 // λ_max steps (and transient)
	syncMaxPair   = 10000  // steps of a pair run (its trajectory comes back)
	syncMaxSweep  = 201    // couplings of a sweep
	syncMaxInits  = 20
	syncTol       = 1e-6 // synchronised: ‖h − h'‖ below this (as the CLI and the tests)
)

// errSuperseded is the cause of a request cancelled by a newer one of its
// lane.
var errSuperseded = errors.New("superseded by a newer request")

// jsonNum is dynamics.Num: a float64 that JSON writes as null when it is
// not finite (λ⊥ = −∞ at c = 1/2, a standard error of one block, a
// threshold that does not exist), as cgru sync does.
type jsonNum = dynamics.Num

// ---------------------------------------------------------------- state

// syncState is what the synchronization operations keep for an App: the
// lanes' requests in progress, the model file studied in the panel, and
// caches of what sliders ask again and again (the λ_max estimates and the
// initial states and projections of pair experiments). It lives beside the
// App (syncStates) so that the App's own fields stay the page's core.
type syncState struct {
	mu    sync.Mutex
	lanes map[string]*syncLane
	seq   uint64
	file  *model.File
	name  string // the file's name

	lyap    map[string]syncLyapEntry
	pending map[string]chan struct{} // λ_max estimates in progress, closed when done
	systems map[string]*syncSystem
}

type syncLane struct {
	seq    uint64
	cancel context.CancelCauseFunc
}

var syncStates sync.Map // *App → *syncState

func (a *App) syncState() *syncState {
	if s, ok := syncStates.Load(a); ok {
		return s.(*syncState)
	}
	s, _ := syncStates.LoadOrStore(a, &syncState{lanes: map[string]*syncLane{},
		lyap: map[string]syncLyapEntry{}, pending: map[string]chan struct{}{}, systems: map[string]*syncSystem{}})
	return s.(*syncState)
}

// begin starts a request of lane (none when lane is ""): a newer request
// of the lane cancels this one, with errSuperseded as the cause. The
// context it returns yields to the host while the computation runs. end
// must be called when the request is done.
func (s *syncState) begin(ctx context.Context, lane string, yield func()) (context.Context, func()) {
	cctx, cancel := context.WithCancelCause(ctx)
	s.mu.Lock()
	s.seq++
	me := &syncLane{seq: s.seq, cancel: cancel}
	if lane != "" {
		if old := s.lanes[lane]; old != nil {
			old.cancel(errSuperseded)
		}
		s.lanes[lane] = me
	}
	s.mu.Unlock()
	end := func() {
		cancel(nil)
		if lane == "" {
			return
		}
		s.mu.Lock()
		if s.lanes[lane] == me {
			delete(s.lanes, lane)
		}
		s.mu.Unlock()
	}
	return &yieldingContext{Context: cctx, yield: yield, every: 8 * time.Millisecond, last: time.Now()}, end
}

// yieldingContext is a context whose Err lets the host run (Host.Yield)
// when at least every has passed since it last did. Long loops of
// model/dynamics look at their context every 1024 steps and between
// pairs; in a browser, where the Go program hands control to JavaScript
// only when all its goroutines wait, this is what lets the worker receive
// the page's next request (and cancel this one) while it computes. It
// must be used by one goroutine.
type yieldingContext struct {
	context.Context
	yield func()
	every time.Duration
	last  time.Time
}

func (c *yieldingContext) Err() error {
	if c.yield != nil && time.Since(c.last) >= c.every {
		c.yield()
		c.last = time.Now()
	}
	return c.Context.Err()
}

// syncErr names the operation in err, and gives the cause of a cancelled
// request (superseded, or cancelled by sync.cancel).
func syncErr(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		if c := context.Cause(ctx); c != nil {
			return fmt.Errorf("%s: %w", op, c)
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// ------------------------------------------------------------- networks

// SyncNetwork chooses the weights of an experiment.
type SyncNetwork struct {
	// Source is "random" (PyTorch's default init of an H-unit GRU from
	// Seed, as cgru sync --hidden H --seed S), "sgru" or "cgru" (the page's
	// run of that kind: the network comparisons use), or "file" (the model
	// file given to sync.model).
	Source string `json:"source"`
	Hidden int    `json:"hidden"`
	Seed   uint64 `json:"seed"`
}

func defaultSyncNetwork() SyncNetwork { return SyncNetwork{Source: "random", Hidden: 20, Seed: 1} }

// syncNet is a resolved network.
type syncNet struct {
	net   *model.Net[float64]
	id    string // identity for the caches: the source and a hash of the weights
	desc  string // for the page
	flags string // the network flags of the equivalent cgru sync command
	model string // the --model of the equivalent command ("" for a random GRU)
	// saveAs is model when the command needs the page's run saved first
	// (Train › Save model gives it that name); "" when the file exists
	// (a loaded one) or none is needed.
	saveAs string
	norm   *data.Normalizer
}

func (a *App) syncNetwork(n SyncNetwork) (*syncNet, error) {
	switch n.Source {
	case "random", "":
		if n.Hidden < 1 || n.Hidden > syncMaxHidden {
			return nil, fmt.Errorf("network: hidden %d, want 1 to %d", n.Hidden, syncMaxHidden)
		}
		return &syncNet{net: dynamics.RandomNet(n.Hidden, n.Seed), id: fmt.Sprintf("random:%d:%d", n.Hidden, n.Seed),
			desc:  fmt.Sprintf("random GRU, H = %d, PyTorch init seed %d", n.Hidden, n.Seed),
			flags: fmt.Sprintf("--hidden %d --seed %d", n.Hidden, n.Seed)}, nil
	case "sgru", "cgru":
		k := model.Kind(n.Source)
		a.mu.Lock()
		r := a.runs[k]
		net := r.model64()
		_, desc := r.model()
		norm := r.norm
		// The command reads the file the run was loaded from, while the
		// run still holds that file's network; else the file Train › Save
		// model would give, which has to be saved first.
		file, saveAs := r.fileName, ""
		if r.file64 == nil || file == "" {
			file = fmt.Sprintf("%s-h%d-seed%d.json", k, net.Hidden, r.cfg.Seed)
			saveAs = file
		}
		a.mu.Unlock()
		return &syncNet{net: net, id: n.Source + ":" + paramsHash(net.Params), desc: fmt.Sprintf("the page's %s, %s", strings.ToUpper(n.Source), desc),
			flags: "--model " + file, model: file, saveAs: saveAs, norm: norm}, nil
	case "file":
		s := a.syncState()
		s.mu.Lock()
		f, name := s.file, s.name
		s.mu.Unlock()
		if f == nil {
			return nil, errors.New("network: no model file loaded in the Synchronization panel")
		}
		var norm *data.Normalizer
		if f.Normalization != nil {
			norm = &data.Normalizer{Mean: f.Normalization.Mean, Std: f.Normalization.Std}
		}
		return &syncNet{net: f.Net, id: "file:" + paramsHash(f.Net.Params), desc: fmt.Sprintf("%s (%s, H = %d)", name, strings.ToUpper(string(f.Net.Kind)), f.Net.Hidden),
			flags: "--model " + name, model: name, norm: norm}, nil
	}
	return nil, fmt.Errorf("network: source %q, want random, sgru, cgru or file", n.Source)
}

func paramsHash(p []float64) string {
	h := fnv.New64a()
	var b [8]byte
	for _, v := range p {
		u := math.Float64bits(v)
		for i := range b {
			b[i] = byte(u >> (8 * i))
		}
		h.Write(b[:])
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

func checkGain(g float64) error {
	if math.IsNaN(g) || math.IsInf(g, 0) || g < 0 || g > 1e6 {
		return fmt.Errorf("gain %g: want a finite number from 0 to 1e6", g)
	}
	return nil
}

func gnum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// ------------------------------------------------------------- lyapunov

type syncLyapEntry struct {
	est dynamics.Estimate
	s0  []float64 // the point of the attractor the estimate started from
}

// lyapunov returns λ_max of the map g (net at gain) along the orbit of
// OnAttractor(seed, transient), over steps steps after transient ones,
// tangent drawn from seed: one of the estimates of `cgru sync lyapunov`
// (initial state seed), cached. When another request computes the same
// estimate (the λ_max and the pair lanes both ask for it when the gain
// moves), it waits for that one instead of doing the work twice.
func (s *syncState) lyapunov(ctx context.Context, n *syncNet, g *dynamics.GRU, gain float64, steps, transient int, seed uint64) (syncLyapEntry, error) {
	key := fmt.Sprintf("%s|%s|%d|%d|%d", n.id, gnum(gain), steps, transient, seed)
	for {
		s.mu.Lock()
		e, ok := s.lyap[key]
		wait, busy := s.pending[key]
		if !ok && !busy {
			s.pending[key] = make(chan struct{})
		}
		s.mu.Unlock()
		if ok {
			return e, nil
		}
		if !busy {
			break
		}
		// The other request ends with the estimate cached, or fails (it
		// was superseded): then this one computes it.
		select {
		case <-wait:
		case <-ctx.Done():
			return e, ctx.Err()
		}
	}
	e, err := s.estimate(ctx, g, steps, transient, seed)
	s.mu.Lock()
	if err == nil {
		if len(s.lyap) >= 256 {
			clear(s.lyap)
		}
		s.lyap[key] = e
	}
	close(s.pending[key])
	delete(s.pending, key)
	s.mu.Unlock()
	return e, err
}

func (s *syncState) estimate(ctx context.Context, g *dynamics.GRU, steps, transient int, seed uint64) (syncLyapEntry, error) {
	var e syncLyapEntry
	x, err := dynamics.OnAttractor(ctx, g, seed, transient)
	if err != nil {
		return e, err
	}
	s0 := append([]float64(nil), x...)
	est, err := dynamics.MaxLyapunov(ctx, g, x, dynamics.Options{Transient: transient, Steps: steps, Seed: seed})
	if err != nil {
		return e, err
	}
	return syncLyapEntry{est: est, s0: s0}, nil
}

type syncLyapArgs struct {
	Network   SyncNetwork `json:"network"`
	Gain      float64     `json:"gain"`
	Steps     int         `json:"steps"`
	Transient int         `json:"transient"`
	Inits     int         `json:"inits"`
	Lane      string      `json:"lane"`
}

// SyncLyapunov is the answer to sync.lyapunov: what `cgru sync lyapunov
// --gains G --steps N --transient M --inits K` prints for one gain.
type SyncLyapunov struct {
	Network   string  `json:"network"`
	Hidden    int     `json:"hidden"`
	Gain      float64 `json:"gain"`
	Steps     int     `json:"steps"`
	Transient int     `json:"transient"`
	Inits     int     `json:"inits"`
	// LambdaMax is the mean over the initial states (seeds 1…inits) of
	// their estimates Runs; SD their sample standard deviation (null for
	// one); StdErr the mean batch-means standard error of one estimate.
	LambdaMax jsonNum   `json:"lambda_max"`
	SD        jsonNum   `json:"sd"`
	StdErr    jsonNum   `json:"stderr"`
	Runs      []jsonNum `json:"runs"`
	// Threshold is the diffusive coupling threshold c* = (1 − e^{−λ_max})/2
	// (0 when λ_max ≤ 0).
	Threshold float64 `json:"threshold"`
	// Regime is "chaotic", "stable" or "marginal", as the command says it.
	Regime string `json:"regime"`
	// Command is the command line that prints the same λ_max; SaveAs,
	// when given, the model file it reads, which Train › Save model has to
	// write first.
	Command string  `json:"command"`
	SaveAs  string  `json:"save_as,omitempty"`
	MS      float64 `json:"ms"`
}

func opSyncLyapunov(ctx context.Context, a *App, req Request) (Reply, error) {
	arg := syncLyapArgs{Network: defaultSyncNetwork(), Gain: 1, Steps: 5000, Transient: 1000, Inits: 1}
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	switch {
	case arg.Steps < 1 || arg.Steps > syncMaxSteps:
		return Reply{}, fmt.Errorf("sync.lyapunov: steps %d, want 1 to %d", arg.Steps, syncMaxSteps)
	case arg.Transient < 0 || arg.Transient > syncMaxSteps:
		return Reply{}, fmt.Errorf("sync.lyapunov: transient %d, want 0 to %d", arg.Transient, syncMaxSteps)
	case arg.Inits < 1 || arg.Inits > syncMaxInits:
		return Reply{}, fmt.Errorf("sync.lyapunov: inits %d, want 1 to %d", arg.Inits, syncMaxInits)
	}
	if err := checkGain(arg.Gain); err != nil {
		return Reply{}, fmt.Errorf("sync.lyapunov: %v", err)
	}
	n, err := a.syncNetwork(arg.Network)
	if err != nil {
		return Reply{}, fmt.Errorf("sync.lyapunov: %v", err)
	}
	s := a.syncState()
	tctx, end := s.begin(ctx, arg.Lane, a.host.Yield)
	defer end()
	start := time.Now()
	g := dynamics.NewGRU(n.net, nil, arg.Gain)
	runs := make([]float64, arg.Inits)
	var ses float64
	for i := range runs {
		e, err := s.lyapunov(tctx, n, g, arg.Gain, arg.Steps, arg.Transient, uint64(i+1))
		if err != nil {
			return Reply{}, syncErr(tctx, "sync.lyapunov", err)
		}
		runs[i] = e.est.Lambda
		ses += e.est.StdErr
	}
	// As the command: the mean, the sample standard deviation over the
	// initial states (none for one), the mean standard error.
	m, sd := dynamics.Spread(runs)
	res := SyncLyapunov{Network: n.desc, Hidden: n.net.Hidden, Gain: arg.Gain, Steps: arg.Steps, Transient: arg.Transient,
		Inits: arg.Inits, LambdaMax: jsonNum(m), SD: jsonNum(sd), StdErr: jsonNum(ses / float64(len(runs))),
		Threshold: dynamics.DiffusiveThreshold(m), Regime: dynamics.Regime(m, sd),
		Command: fmt.Sprintf("cgru sync lyapunov %s --gains %s --inits %d --steps %d --transient %d", n.flags, gnum(arg.Gain), arg.Inits, arg.Steps, arg.Transient),
		SaveAs:  n.saveAs,
		MS:      float64(time.Since(start).Microseconds()) / 1000}
	for _, v := range runs {
		res.Runs = append(res.Runs, jsonNum(v))
	}
	return Reply{Value: res}, nil
}

// ----------------------------------------------------------------- pair

// syncSystem is the start of a pair experiment: the map, both initial
// states and the plane the trajectories are drawn in (the principal plane
// of one copy's uncoupled orbit from h_0, as `cgru sync pair
// --trajectory`). Its GRU is a template: use a Clone.
type syncSystem struct {
	g    *dynamics.GRU
	x0   []float64
	proj dynamics.Projection
}

func (s *syncState) system(ctx context.Context, n *syncNet, gain float64, transient int, start uint64, delta float64, steps int) (*syncSystem, error) {
	key := fmt.Sprintf("%s|%s|%d|%d|%s|%d", n.id, gnum(gain), transient, start, gnum(delta), steps)
	s.mu.Lock()
	sys, ok := s.systems[key]
	s.mu.Unlock()
	if ok {
		return sys, nil
	}
	g := dynamics.NewGRU(n.net, nil, gain)
	x0, err := dynamics.Start(ctx, g, start, transient, delta)
	if err != nil {
		return nil, err
	}
	orbit := make([]float64, 0, (steps+1)*g.H)
	h := append([]float64(nil), x0[:g.H]...)
	for t := 0; t <= steps; t++ {
		orbit = append(orbit, h...)
		g.Step(h, h)
	}
	sys = &syncSystem{g: g, x0: x0, proj: dynamics.PCA2(orbit, g.H)}
	s.mu.Lock()
	if len(s.systems) >= 32 {
		clear(s.systems)
	}
	s.systems[key] = sys
	s.mu.Unlock()
	return sys, nil
}

type syncPairArgs struct {
	Network   SyncNetwork `json:"network"`
	Gain      float64     `json:"gain"`
	Form      string      `json:"form"`
	Coupling  float64     `json:"coupling"`
	Steps     int         `json:"steps"`
	Transient int         `json:"transient"`
	Start     uint64      `json:"start"`
	Delta     float64     `json:"delta"`
	// LyapunovSteps are the steps of the λ_max and λ⊥ estimates (after
	// Transient), from the orbit of OnAttractor(Start): with Start 1 the
	// λ_max of sync.lyapunov with one initial state.
	LyapunovSteps int    `json:"lyapunov_steps"`
	Lane          string `json:"lane"`
}

// SyncPair is the answer to sync.pair.
type SyncPair struct {
	Gain     float64 `json:"gain"`
	Form     string  `json:"form"`
	Coupling float64 `json:"coupling"`
	Steps    int     `json:"steps"`
	// Error[t] = ‖h_t − h'_t‖, t = 0…steps.
	Error []float64 `json:"error"`
	// U1, V1 and U2, V2: h_t and h'_t in the principal plane of the
	// uncoupled orbit of h_0 (Variance along each axis).
	U1       []float32  `json:"u1"`
	V1       []float32  `json:"v1"`
	U2       []float32  `json:"u2"`
	V2       []float32  `json:"v2"`
	Variance [2]float64 `json:"variance"`
	// SyncedAt is the first step from which the error stays below 1e-6 to
	// the end (−1: it does not).
	SyncedAt int `json:"synced_at"`
	// LambdaMax of one copy and the transverse exponent at this coupling,
	// λ⊥ (diffusive: λ_max + ln|1 − 2c|, −∞ at c = 1/2; cgru form:
	// Benettin along the synchronised orbit).
	LambdaMax  jsonNum `json:"lambda_max"`
	Transverse jsonNum `json:"transverse"`
	MS         float64 `json:"ms"`
}

func (p *syncPairArgs) check(op string) (dynamics.Form, error) {
	form, err := dynamics.ParseForm(p.Form)
	if err != nil {
		return "", fmt.Errorf("%s: %v", op, err)
	}
	switch {
	case p.Transient < 0 || p.Transient > syncMaxSteps:
		return "", fmt.Errorf("%s: transient %d, want 0 to %d", op, p.Transient, syncMaxSteps)
	case p.LyapunovSteps < 10 || p.LyapunovSteps > syncMaxSteps:
		return "", fmt.Errorf("%s: lyapunov_steps %d, want 10 to %d", op, p.LyapunovSteps, syncMaxSteps)
	}
	if err := checkGain(p.Gain); err != nil {
		return "", fmt.Errorf("%s: %v", op, err)
	}
	return form, nil
}

func opSyncPair(ctx context.Context, a *App, req Request) (Reply, error) {
	arg := syncPairArgs{Network: defaultSyncNetwork(), Gain: 1, Form: "diffusive", Steps: 500, Transient: 1000, Start: 1, LyapunovSteps: 5000}
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	form, err := arg.check("sync.pair")
	switch {
	case err != nil:
		return Reply{}, err
	case arg.Steps < 1 || arg.Steps > syncMaxPair:
		return Reply{}, fmt.Errorf("sync.pair: steps %d, want 1 to %d", arg.Steps, syncMaxPair)
	case !(arg.Coupling >= 0 && arg.Coupling <= 1):
		return Reply{}, fmt.Errorf("sync.pair: coupling %g, want a number from 0 to 1", arg.Coupling)
	case !(arg.Delta >= 0) || math.IsInf(arg.Delta, 0):
		return Reply{}, fmt.Errorf("sync.pair: delta %g, want a finite number ≥ 0", arg.Delta)
	}
	n, err := a.syncNetwork(arg.Network)
	if err != nil {
		return Reply{}, fmt.Errorf("sync.pair: %v", err)
	}
	s := a.syncState()
	tctx, end := s.begin(ctx, arg.Lane, a.host.Yield)
	defer end()
	start := time.Now()
	sys, err := s.system(tctx, n, arg.Gain, arg.Transient, arg.Start, arg.Delta, arg.Steps)
	if err != nil {
		return Reply{}, syncErr(tctx, "sync.pair", err)
	}
	g := sys.g.Clone()
	res := SyncPair{Gain: arg.Gain, Form: string(form), Coupling: arg.Coupling, Steps: arg.Steps, Variance: sys.proj.Variance, SyncedAt: -1}
	N := arg.Steps + 1
	res.U1, res.V1, res.U2, res.V2 = make([]float32, N), make([]float32, N), make([]float32, N), make([]float32, N)
	e, err := dynamics.Run(tctx, dynamics.NewPair(g, form, arg.Coupling), sys.x0, arg.Steps, func(t int, x []float64) {
		u, v := sys.proj.Apply(x[:g.H])
		u2, v2 := sys.proj.Apply(x[g.H:])
		res.U1[t], res.V1[t], res.U2[t], res.V2[t] = float32(u), float32(v), float32(u2), float32(v2)
	})
	if err != nil {
		return Reply{}, syncErr(tctx, "sync.pair", err)
	}
	res.Error = e
	for t := len(e) - 1; t >= 0 && e[t] < syncTol; t-- {
		res.SyncedAt = t
	}
	lam, err := s.lyapunov(tctx, n, g, arg.Gain, arg.LyapunovSteps, arg.Transient, arg.Start)
	if err != nil {
		return Reply{}, syncErr(tctx, "sync.pair", err)
	}
	res.LambdaMax = jsonNum(lam.est.Lambda)
	tr, err := transverseAt(tctx, g, form, arg.Coupling, lam, arg.LyapunovSteps, arg.Transient, arg.Start)
	if err != nil {
		return Reply{}, syncErr(tctx, "sync.pair", err)
	}
	res.Transverse = jsonNum(tr)
	res.MS = float64(time.Since(start).Microseconds()) / 1000
	return Reply{Value: res}, nil
}

// transverseAt is λ⊥(c) with the options of the λ_max estimate lam:
// λ_max + ln|1 − 2c| for the diffusive form (what dynamics.Transverse
// gives to rounding), Benettin along the synchronised orbit for the cgru
// form.
func transverseAt(ctx context.Context, g *dynamics.GRU, form dynamics.Form, c float64, lam syncLyapEntry, steps, transient int, seed uint64) (float64, error) {
	if form == dynamics.Diffusive {
		return lam.est.Lambda + math.Log(math.Abs(1-2*c)), nil
	}
	e, err := dynamics.Transverse(ctx, dynamics.NewPair(g, form, c), lam.s0, dynamics.Options{Transient: transient, Steps: steps, Seed: seed})
	return e.Lambda, err
}

// ---------------------------------------------------------------- sweep

type syncSweepArgs struct {
	syncPairArgs
	// The grid: Count couplings evenly from From to To.
	From  float64 `json:"from"`
	To    float64 `json:"to"`
	Count int     `json:"count"`
	// Runs pairs of initial states per coupling (seeds Start, Start+2, …).
	Runs int `json:"runs"`
	// TheoryCount is the number of couplings of the cgru form's λ⊥ curve
	// (each a Benettin estimate; the diffusive form's is closed and given
	// on the grid).
	TheoryCount int `json:"theory_count"`
}

// SyncSweep is the answer to sync.sweep: the threshold sweep of `cgru
// sync threshold` without its bisection, and the theory.
type SyncSweep struct {
	Gain  float64 `json:"gain"`
	Form  string  `json:"form"`
	Steps int     `json:"steps"`
	Runs  int     `json:"runs"`
	Tol   float64 `json:"tol"`
	// Per coupling: the final error of each run, whether all are below
	// Tol, and the measured decay rate of ln‖h − h'‖ (null when it cannot
	// be measured).
	Couplings []float64   `json:"couplings"`
	Final     [][]float64 `json:"final"`
	Synced    []bool      `json:"synced"`
	Rate      []jsonNum   `json:"rate"`
	// Measured is the smallest grid c from which every c up to 1/2
	// synchronises (null: none).
	Measured jsonNum `json:"measured"`
	// The theory: λ_max, λ⊥ at TheoryC, and the threshold c* where λ⊥
	// crosses 0 (diffusive: (1 − e^{−λ_max})/2; cgru form: bisection to
	// 1e-3; null when no c up to 1/2 synchronises).
	LambdaMax  jsonNum   `json:"lambda_max"`
	TheoryC    []float64 `json:"theory_c"`
	Transverse []jsonNum `json:"transverse"`
	Threshold  jsonNum   `json:"threshold"`
	MS         float64   `json:"ms"`
}

func opSyncSweep(ctx context.Context, a *App, req Request) (Reply, error) {
	arg := syncSweepArgs{syncPairArgs: syncPairArgs{Network: defaultSyncNetwork(), Gain: 1, Form: "diffusive", Steps: 500, Transient: 1000, Start: 1, LyapunovSteps: 5000},
		From: 0, To: 0.5, Count: 51, Runs: 1, TheoryCount: 11}
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	form, err := arg.check("sync.sweep")
	switch {
	case err != nil:
		return Reply{}, err
	case arg.Steps < 1 || arg.Steps > syncMaxSteps:
		return Reply{}, fmt.Errorf("sync.sweep: steps %d, want 1 to %d", arg.Steps, syncMaxSteps)
	case !(arg.From >= 0 && arg.From <= arg.To && arg.To <= 1):
		return Reply{}, fmt.Errorf("sync.sweep: couplings from %g to %g, want 0 ≤ from ≤ to ≤ 1", arg.From, arg.To)
	case arg.Count < 2 || arg.Count > syncMaxSweep || arg.TheoryCount < 2 || arg.TheoryCount > syncMaxSweep:
		return Reply{}, fmt.Errorf("sync.sweep: count %d, theory_count %d, want 2 to %d", arg.Count, arg.TheoryCount, syncMaxSweep)
	case arg.Runs < 1 || arg.Runs > 20:
		return Reply{}, fmt.Errorf("sync.sweep: runs %d, want 1 to 20", arg.Runs)
	case arg.Delta != 0 || arg.Coupling != 0:
		return Reply{}, errors.New("sync.sweep: delta and coupling are pair settings; a sweep starts from independent states over a grid of c")
	}
	n, err := a.syncNetwork(arg.Network)
	if err != nil {
		return Reply{}, fmt.Errorf("sync.sweep: %v", err)
	}
	s := a.syncState()
	tctx, end := s.begin(ctx, arg.Lane, a.host.Yield)
	defer end()
	start := time.Now()
	grid := func(k int) []float64 {
		cs := make([]float64, k)
		for i := range cs {
			// Rounded to 12 decimals, as the command's grids: 0.15, not
			// 0.15000000000000002.
			cs[i] = math.Round((arg.From+(arg.To-arg.From)*float64(i)/float64(k-1))*1e12) / 1e12
		}
		return cs
	}
	cs := grid(arg.Count)
	g := dynamics.NewGRU(n.net, nil, arg.Gain)
	pts, err := dynamics.Sweep(tctx, g, cs, dynamics.SweepOptions{Form: form, Steps: arg.Steps, Transient: arg.Transient, Runs: arg.Runs, Tol: syncTol, Seed: arg.Start})
	if err != nil {
		return Reply{}, syncErr(tctx, "sync.sweep", err)
	}
	res := SyncSweep{Gain: arg.Gain, Form: string(form), Steps: arg.Steps, Runs: arg.Runs, Tol: syncTol, Couplings: cs}
	for _, p := range pts {
		res.Final = append(res.Final, p.Final)
		res.Synced = append(res.Synced, p.Synced)
		res.Rate = append(res.Rate, jsonNum(p.Rate))
	}
	c, ok := dynamics.EmpiricalThreshold(pts)
	res.Measured = jsonNum(c)
	if !ok {
		res.Measured = jsonNum(math.NaN())
	}
	lam, err := s.lyapunov(tctx, n, g, arg.Gain, arg.LyapunovSteps, arg.Transient, arg.Start)
	if err != nil {
		return Reply{}, syncErr(tctx, "sync.sweep", err)
	}
	res.LambdaMax = jsonNum(lam.est.Lambda)
	res.TheoryC = cs
	if form == dynamics.CGRUForm {
		res.TheoryC = grid(arg.TheoryCount)
	}
	for _, c := range res.TheoryC {
		tr, err := transverseAt(tctx, g, form, c, lam, arg.LyapunovSteps, arg.Transient, arg.Start)
		if err != nil {
			return Reply{}, syncErr(tctx, "sync.sweep", err)
		}
		res.Transverse = append(res.Transverse, jsonNum(tr))
	}
	switch form {
	case dynamics.Diffusive:
		res.Threshold = jsonNum(dynamics.DiffusiveThreshold(lam.est.Lambda))
	case dynamics.CGRUForm:
		c, ok, err := dynamics.TransverseThreshold(tctx, g, form, lam.s0, dynamics.Options{Transient: arg.Transient, Steps: arg.LyapunovSteps, Seed: arg.Start}, 1e-3)
		if err != nil {
			return Reply{}, syncErr(tctx, "sync.sweep", err)
		}
		if !ok {
			c = math.NaN()
		}
		res.Threshold = jsonNum(c)
	}
	res.MS = float64(time.Since(start).Microseconds()) / 1000
	return Reply{Value: res}, nil
}

// ----------------------------------------------------------------- gate

type syncGateArgs struct {
	Network       SyncNetwork `json:"network"`
	Split         string      `json:"split"`
	PairsPerClass int         `json:"pairs_per_class"`
	Seed          uint64      `json:"seed"`
	Lane          string      `json:"lane"`
}

// SyncGate is the answer to sync.gate.
type SyncGate struct {
	Model         string `json:"model"`
	Data          string `json:"data"`
	Split         string `json:"split"`
	PairsPerClass int    `json:"pairs_per_class"`
	Seed          uint64 `json:"seed"`
	T             int    `json:"T"`
	H             int    `json:"H"`
	Normalized    bool   `json:"normalized"`
	// The study, as cgru sync gate reports it (without the per-pair
	// values, which the panel does not show).
	dynamics.GateStudy
	Command string  `json:"command"`
	SaveAs  string  `json:"save_as,omitempty"` // as SyncLyapunov's
	MS      float64 `json:"ms"`
}

func opSyncGate(ctx context.Context, a *App, req Request) (Reply, error) {
	arg := syncGateArgs{Network: SyncNetwork{Source: "cgru"}, Split: "test", PairsPerClass: 20, Seed: 1}
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	if arg.PairsPerClass < 1 || arg.PairsPerClass > 1000 {
		return Reply{}, fmt.Errorf("sync.gate: pairs_per_class %d, want 1 to 1000", arg.PairsPerClass)
	}
	if arg.Network.Source != "cgru" && arg.Network.Source != "file" {
		return Reply{}, fmt.Errorf("sync.gate: network %q: the gate view takes a trained CGRU (cgru: the page's, or file)", arg.Network.Source)
	}
	n, err := a.syncNetwork(arg.Network)
	if err != nil {
		return Reply{}, fmt.Errorf("sync.gate: %v", err)
	}
	if n.net.Kind != model.CGRU {
		return Reply{}, fmt.Errorf("sync.gate: %s is an %s: the gate view needs a CGRU", n.desc, strings.ToUpper(string(n.net.Kind)))
	}
	a.mu.Lock()
	d := a.data
	a.mu.Unlock()
	ds, err := d.splitOf(arg.Split)
	if err != nil {
		return Reply{}, fmt.Errorf("sync.gate: %v", err)
	}
	if ch := len(ds.Channels); n.net.Input != ch {
		return Reply{}, fmt.Errorf("sync.gate: %s has input size %d, but the data loaded (%s) has %d channels", n.desc, n.net.Input, d.title, ch)
	}
	pos, neg := data.SamplePairs(ds.Labels, len(ds.ClassNames), arg.PairsPerClass, arg.Seed)
	if len(pos) == 0 || len(neg) == 0 {
		return Reply{}, fmt.Errorf("sync.gate: the %s split of %s has %d positive and %d negative pairs to draw; need both", arg.Split, d.title, len(pos), len(neg))
	}
	s := a.syncState()
	tctx, end := s.begin(ctx, arg.Lane, a.host.Yield)
	defer end()
	start := time.Now()
	// The windows of the pairs, in float64 after the network's
	// normalisation (as cgru sync gate normalises the split, then converts
	// it).
	used, pairs := harness.GatherPairs(append(append([]data.Pair(nil), pos...), neg...))
	mp, mn := pairs[:len(pos)], pairs[len(pos):]
	x := model.NewSeqs[float64](len(used), ds.T, len(ds.Channels))
	for j, w := range used {
		copy(x.Seq(j), to64(ds.Window(w), n.norm))
	}
	res := SyncGate{Model: n.desc, Data: d.title, Split: arg.Split, PairsPerClass: arg.PairsPerClass, Seed: arg.Seed, T: ds.T, H: n.net.Hidden,
		Normalized: n.norm != nil,
		Command:    fmt.Sprintf("cgru sync gate --model %s --data %s --split %s --pairs-per-class %d --seed %d", n.model, d.source, arg.Split, arg.PairsPerClass, arg.Seed),
		SaveAs:     n.saveAs}
	study, err := dynamics.StudyGate(tctx, n.net, x, mp, mn, func(done, total int) {
		a.host.Emit("task.progress", map[string]any{"task": "sync.gate", "done": done, "total": total})
	})
	if err != nil {
		return Reply{}, syncErr(tctx, "sync.gate", err)
	}
	for _, side := range []*dynamics.GateSide{&study.Positive, &study.Negative} {
		side.PairGate, side.PairDist, side.PairDistGateOff = nil, nil, nil
	}
	res.GateStudy = *study
	res.MS = float64(time.Since(start).Microseconds()) / 1000
	return Reply{Value: res}, nil
}

// ---------------------------------------------------------- model, cancel

// SyncModel describes the model file of the Synchronization panel.
type SyncModel struct {
	Loaded     bool   `json:"loaded"`
	Name       string `json:"name,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Hidden     int    `json:"hidden,omitempty"`
	Input      int    `json:"input,omitempty"`
	Normalized bool   `json:"normalized,omitempty"`
	Dataset    string `json:"dataset,omitempty"`
}

// opSyncModel keeps a model file for the panel (one file; the runs of the
// Train panel stay as they are); with no file and {"clear": true} it
// forgets it; with neither it describes the one kept.
func opSyncModel(ctx context.Context, a *App, req Request) (Reply, error) {
	var arg struct {
		Clear bool `json:"clear"`
	}
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	s := a.syncState()
	switch {
	case len(req.Files) > 1:
		return Reply{}, errors.New("sync.model: give one model file")
	case len(req.Files) == 1:
		f := req.Files[0]
		mf, err := model.ParseFile(f.Data, f.Path)
		if err != nil {
			return Reply{}, err
		}
		name := f.Path
		if i := strings.LastIndexAny(name, `/\`); i >= 0 {
			name = name[i+1:]
		}
		s.mu.Lock()
		s.file, s.name = mf, name
		s.mu.Unlock()
	case arg.Clear:
		s.mu.Lock()
		s.file, s.name = nil, ""
		s.mu.Unlock()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		return Reply{Value: SyncModel{}}, nil
	}
	f := s.file
	return Reply{Value: SyncModel{Loaded: true, Name: s.name, Kind: string(f.Net.Kind), Hidden: f.Net.Hidden, Input: f.Net.Input,
		Normalized: f.Normalization != nil, Dataset: f.Dataset}}, nil
}

// opSyncCancel cancels the request in progress in a lane (every lane
// without one).
func opSyncCancel(ctx context.Context, a *App, req Request) (Reply, error) {
	var arg struct {
		Lane string `json:"lane"`
	}
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	s := a.syncState()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for name, l := range s.lanes {
		if arg.Lane == "" || name == arg.Lane {
			l.cancel(errors.New("cancelled"))
			out = append(out, name)
		}
	}
	return Reply{Value: map[string]any{"cancelled": out}}, nil
}
