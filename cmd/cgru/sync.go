package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/internal/harness"
	"github.com/cgru/cgru/model"
	"github.com/cgru/cgru/model/dynamics"
)

// `cgru sync`: the synchronization lab (model/dynamics). Four experiments,
// each printing a table or, with --json, a self-describing JSON object
// ("experiment": "lyapunov" | "pair" | "threshold" | "gate") that
// `cgru report --sync` draws.

var syncCommands = map[string]command{
	"lyapunov":  {"largest Lyapunov exponent (and spectrum) of a GRU against the gain on weight_hh", runSyncLyapunov},
	"pair":      {"synchronization error over time of two coupled copies, for several couplings c", runSyncPair},
	"threshold": {"sweep of c: the measured synchronization threshold against the theoretical one", runSyncThreshold},
	"gate":      {"a trained CGRU on real pairs: coupling gate and sync error per step, positive vs negative, and gate off", runSyncGate},
}

func syncUsage(w io.Writer) {
	fmt.Fprintf(w, `usage: cgru sync <experiment> [flags]

The synchronization lab: a GRU with a constant input is a dynamical system
h_{t+1} = F(h_t); its largest Lyapunov exponent λ_max says whether it is
chaotic; two copies coupled with strength c synchronise when the transverse
exponent λ⊥(c) = λ_max + ln|1 − 2c| is negative, i.e. above
c* = (1 − e^{−λ_max})/2 (diffusive form); and a trained CGRU's learned gate
decides how strongly each pair couples. See model/dynamics for the
derivation.

experiments:
`)
	listCommands(w, syncCommands)
	fmt.Fprintf(w, "\nrun 'cgru sync <experiment> --help' for its flags; --json output feeds 'cgru report --sync'\n")
}

func runSync(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		syncUsage(stderr)
		return errUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		syncUsage(stdout)
		return flag.ErrHelp
	}
	c, ok := syncCommands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "cgru sync: unknown experiment %q\n\n", args[0])
		syncUsage(stderr)
		return errUsage
	}
	return c.run(args[1:], stdout)
}

// num is dynamics.Num (a float64 that JSON writes as null when it is not
// finite and reads back as NaN), short for the many results below
// (dynamics.Nums converts a slice).
type num = dynamics.Num

// syncNetwork describes the weights of an experiment.
type syncNetwork struct {
	Model  string    `json:"model,omitempty"` // model file, or "" for a random network
	Kind   string    `json:"kind"`            // "random", "sgru" or "cgru"
	Hidden int       `json:"hidden"`
	Seed   uint64    `json:"seed,omitempty"`  // random networks: the weights' seed
	Input  []float64 `json:"input,omitempty"` // the constant input (omitted: zero)
	net    *model.Net[float64]
}

func (n syncNetwork) String() string {
	s := fmt.Sprintf("random GRU, H=%d, PyTorch init seed %d", n.Hidden, n.Seed)
	if n.Model != "" {
		s = fmt.Sprintf("GRU weights of %s (%s, H=%d)", n.Model, n.Kind, n.Hidden)
	}
	if len(n.Input) > 0 {
		return s + fmt.Sprintf(", constant input %v", n.Input)
	}
	return s + ", zero input"
}

// gru is the map of the network at a gain.
func (n syncNetwork) gru(gain float64) *dynamics.GRU {
	return dynamics.NewGRU(n.net, n.Input, gain)
}

// networkFlags are the flags that choose the weights.
type networkFlags struct {
	model, input *string
	hidden       *int
	seed         *uint64
}

func addNetworkFlags(fs *flag.FlagSet) networkFlags {
	return networkFlags{
		model:  fs.String("model", "", "model file whose GRU weights to use (default: a random GRU)"),
		hidden: fs.Int("hidden", 20, "hidden size of the random GRU"),
		seed:   fs.Uint64("seed", 1, "seed of the random GRU's weights (PyTorch's default init)"),
		input:  fs.String("input", "", `constant input "x1,…,xI" (default zero; as the network sees it, after the model file's normalisation)`),
	}
}

func (f networkFlags) load(fs *flag.FlagSet) (syncNetwork, error) {
	var n syncNetwork
	if *f.model != "" {
		if flagSet(fs, "hidden") || flagSet(fs, "seed") {
			return n, usageErrorf(fs, "--hidden and --seed choose a random network; --model gives the weights")
		}
		mf, err := model.ReadFile(*f.model)
		if err != nil {
			return n, err
		}
		n = syncNetwork{Model: *f.model, Kind: string(mf.Net.Kind), Hidden: mf.Net.Hidden, net: mf.Net}
	} else {
		if *f.hidden < 1 || *f.hidden > 1024 {
			return n, usageErrorf(fs, "--hidden %d: want 1 to 1024", *f.hidden)
		}
		n = syncNetwork{Kind: "random", Hidden: *f.hidden, Seed: *f.seed, net: dynamics.RandomNet(*f.hidden, *f.seed)}
	}
	if *f.input != "" {
		for _, p := range strings.Split(*f.input, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return n, usageErrorf(fs, "--input: %q is not a finite number", strings.TrimSpace(p))
			}
			n.Input = append(n.Input, v)
		}
		if len(n.Input) != n.net.Input {
			return n, usageErrorf(fs, "--input has %d values; the network's input size is %d", len(n.Input), n.net.Input)
		}
	}
	return n, nil
}

// flagSet reports whether the flag called name was given.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// interruptible returns a context cancelled by Ctrl-C.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt)
}

// syncErr turns a cancelled context into errInterrupted.
func syncErr(err error) error {
	if errors.Is(err, context.Canceled) {
		return errInterrupted
	}
	return err
}

// ---------------------------------------------------------------- lyapunov

// lyapunovResult is what `cgru sync lyapunov --json` prints.
type lyapunovResult struct {
	Experiment string      `json:"experiment"` // "lyapunov"
	Network    syncNetwork `json:"network"`
	Steps      int         `json:"steps"`
	Transient  int         `json:"transient"`
	Inits      int         `json:"inits"` // initial states per gain (seeds 1…inits)
	Gains      []float64   `json:"gains"`
	// Per gain: λ_max averaged over the initial states, its standard
	// deviation over them (the spread), the mean batch-means standard
	// error of one estimate, every estimate, and the diffusive threshold
	// c* = (1 − e^{−λ_max})/2 (0 when λ_max ≤ 0).
	LambdaMax []num   `json:"lambda_max"`
	SD        []num   `json:"sd"`
	StdErr    []num   `json:"stderr"`
	Runs      [][]num `json:"runs"`
	Threshold []num   `json:"threshold"`
	// Spectrum (with --spectrum): all H exponents, in decreasing order, per
	// gain, from the first initial state.
	Spectrum [][]num `json:"spectrum,omitempty"`
}

func runSyncLyapunov(args []string, stdout io.Writer) error {
	fs := newFlags("sync lyapunov", "[--model M.json | --hidden 20 --seed 1] [--gains 1:10:0.5] [--steps 5000 --transient 1000] [--inits 5] [--spectrum] [--json]",
		`Estimates the largest Lyapunov exponent λ_max (nats per step) of the map
h_{t+1} = F(h_t) of one GRU with a constant input (zero by default), for each
gain g of --gains applied to weight_hh (W_hh ← g·W_hh), by Benettin's method:
a tangent vector carried through the step's Jacobian, renormalised every
step, its log growth averaged over --steps steps after --transient discarded
ones. Each gain is estimated from --inits initial states on the attractor
(seeds 1…inits, each a random state run for --transient steps); the table
gives their mean, their spread (standard deviation) and the diffusive
synchronisation threshold c* = (1 − e^{−λ_max})/2. --spectrum adds all H
exponents (QR method) from the first initial state.

λ_max > 0: chaos (nearby states separate); < 0: a stable fixed point or
cycle; ≈ 0: quasi-periodic motion. Random networks use PyTorch's default
init (uniform in ±1/√H) from --seed; for H=20, seed 1, chaos appears above
gain ≈ 5 (λ_max ≈ 0.085 at 7.5). --model takes the GRU weights of a model
file instead (default gain 1).`)
	nf := addNetworkFlags(fs)
	gainsArg := fs.String("gains", "1:10:0.5", `gains on weight_hh: "from:to:step" or a comma list (default 1 with --model)`)
	steps := fs.Int("steps", 5000, "steps averaged")
	transient := fs.Int("transient", 1000, "steps discarded first (orbit and tangent vectors settle)")
	inits := fs.Int("inits", 5, "initial states per gain")
	spectrum := fs.Bool("spectrum", false, "also estimate all H exponents (QR method)")
	threads := fs.Int("threads", 0, "worker goroutines (0: all cores)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	switch {
	case *steps < 1 || *steps > 1e8:
		return usageErrorf(fs, "--steps %d: want 1 to 1e8", *steps)
	case *transient < 0 || *transient > 1e8:
		return usageErrorf(fs, "--transient %d: want 0 to 1e8", *transient)
	case *inits < 1 || *inits > 1000:
		return usageErrorf(fs, "--inits %d: want 1 to 1000", *inits)
	case *threads < 0:
		return usageErrorf(fs, "--threads %d: want 0 (all cores) or more", *threads)
	}
	if *nf.model != "" && !flagSet(fs, "gains") {
		*gainsArg = "1"
	}
	gains, err := parseList(*gainsArg, 0, 1e6)
	if err != nil {
		return usageErrorf(fs, "--gains %q: %v", *gainsArg, err)
	}
	net, err := nf.load(fs)
	if err != nil {
		return err
	}
	ctx, stop := interruptible()
	defer stop()
	res := lyapunovResult{Experiment: "lyapunov", Network: net, Steps: *steps, Transient: *transient, Inits: *inits, Gains: gains}
	G := len(gains)
	runs := make([][]float64, G)
	ses := make([][]float64, G)
	specs := make([][]float64, G)
	type job struct{ g, init int }
	var jobs []job
	for g := range gains {
		runs[g], ses[g] = make([]float64, *inits), make([]float64, *inits)
		for i := 0; i < *inits; i++ {
			jobs = append(jobs, job{g, i})
		}
	}
	opt := dynamics.Options{Transient: *transient, Steps: *steps}
	err = parallelJobs(ctx, len(jobs), *threads, func(k int) error {
		j := jobs[k]
		m := net.gru(gains[j.g])
		seed := uint64(j.init + 1)
		x, err := dynamics.OnAttractor(ctx, m, seed, *transient)
		if err != nil {
			return err
		}
		o := opt
		o.Seed = seed
		if *spectrum && j.init == 0 {
			s, err := dynamics.Spectrum(ctx, m, x, m.H, o)
			if err != nil {
				return err
			}
			specs[j.g] = s.Lambda
			runs[j.g][0], ses[j.g][0] = s.Lambda[0], s.StdErr[0]
			return nil
		}
		e, err := dynamics.MaxLyapunov(ctx, m, x, o)
		if err != nil {
			return err
		}
		runs[j.g][j.init], ses[j.g][j.init] = e.Lambda, e.StdErr
		return nil
	})
	if err != nil {
		return syncErr(fmt.Errorf("lyapunov: %w", err))
	}
	for g := range gains {
		m, sd := dynamics.Spread(runs[g])
		se, _ := dynamics.Spread(ses[g]) // the mean standard error
		res.LambdaMax = append(res.LambdaMax, num(m))
		res.SD = append(res.SD, num(sd))
		res.StdErr = append(res.StdErr, num(se))
		res.Runs = append(res.Runs, dynamics.Nums(runs[g]))
		res.Threshold = append(res.Threshold, num(dynamics.DiffusiveThreshold(m)))
		if *spectrum {
			res.Spectrum = append(res.Spectrum, dynamics.Nums(specs[g]))
		}
	}
	if *asJSON {
		return writeJSON(stdout, res)
	}
	w := stdout
	fmt.Fprintf(w, "largest Lyapunov exponent of %s\n", net)
	fmt.Fprintf(w, "Benettin: %d steps averaged after %d discarded, %d initial states per gain; nats per step\n\n", *steps, *transient, *inits)
	fmt.Fprintf(w, "%8s %10s %9s %9s %10s\n", "gain", "λ_max", "spread", "stderr", "c*")
	for g, gain := range gains {
		fmt.Fprintf(w, "%8.4g %10.5f %9.5f %9.5f %10.5f  %s\n", gain, res.LambdaMax[g], res.SD[g], res.StdErr[g], res.Threshold[g], regime(float64(res.LambdaMax[g]), float64(res.SD[g])))
	}
	fmt.Fprintf(w, "\nspread: standard deviation over the initial states; stderr: batch means of one estimate;\nc* = (1 − e^{−λ_max})/2, the diffusive coupling threshold\n")
	if *spectrum {
		fmt.Fprintf(w, "\nspectrum (from initial state 1):\n")
		for g, gain := range gains {
			fmt.Fprintf(w, "%8.4g ", gain)
			for _, l := range res.Spectrum[g] {
				fmt.Fprintf(w, " %8.4f", l)
			}
			fmt.Fprintln(w)
		}
	}
	return nil
}

// regime names the dynamics a λ_max (and its spread) indicates
// (dynamics.Regime), with what "marginal" means.
func regime(l, sd float64) string {
	if r := dynamics.Regime(l, sd); r != "marginal" {
		return r
	}
	return "marginal (≈ 0: quasi-periodic or the edge of chaos)"
}

// parallelJobs runs fn(0…n−1) on up to threads goroutines (0: GOMAXPROCS)
// and returns the first error.
func parallelJobs(ctx context.Context, n, threads int, fn func(k int) error) error {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	threads = max(1, min(threads, n))
	next := make(chan int)
	errs := make(chan error, threads)
	var wg sync.WaitGroup
	for w := 0; w < threads; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				if err := fn(k); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var err error
feed:
	for k := 0; k < n; k++ {
		select {
		case next <- k:
		case err = <-errs:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	// Drain so that no worker blocks on next after an error.
	wg.Wait()
	close(errs)
	if err == nil {
		err = <-errs
	}
	return err
}

// -------------------------------------------------------------------- pair

// pairResult is what `cgru sync pair --json` prints.
type pairResult struct {
	Experiment string      `json:"experiment"` // "pair"
	Network    syncNetwork `json:"network"`
	Gain       float64     `json:"gain"`
	Form       string      `json:"form"`
	Steps      int         `json:"steps"`
	Transient  int         `json:"transient"`
	Start      uint64      `json:"start"` // seed of the initial states
	Delta      float64     `json:"delta"` // > 0: h' started this far from h
	// LambdaMax (± StdErr) of one copy and the resulting theory: the
	// threshold (diffusive: closed form; cgru: root of the computed λ⊥) and
	// λ⊥ at each coupling.
	LambdaMax  num   `json:"lambda_max"`
	StdErr     num   `json:"stderr"`
	Threshold  num   `json:"threshold"`
	Couplings  []num `json:"couplings"`
	Transverse []num `json:"transverse"`
	// Error[k][t] = ‖h_t − h'_t‖ at coupling k, t = 0…steps.
	Error [][]num `json:"error"`
	// With --trajectory: H1[k][t], H2[k][t] the states, and the 2-D
	// projection of both onto the principal plane of the uncoupled orbit.
	H1         [][][]float64 `json:"h1,omitempty"`
	H2         [][][]float64 `json:"h2,omitempty"`
	Projection [][][4]num    `json:"projection,omitempty"` // [k][t] (u, v, u', v')
}

// lyapunovOptions are the estimates behind the theory lines of pair and
// threshold: from the orbit of OnAttractor(seed, transient).
func lyapunovOptions(steps, transient int, seed uint64) dynamics.Options {
	return dynamics.Options{Transient: transient, Steps: steps, Seed: seed}
}

func runSyncPair(args []string, stdout io.Writer) error {
	fs := newFlags("sync pair", "[--model M.json | --hidden 20 --seed 1] [--gain 7.5] [--coupling 0,0.02,0.05,0.1,0.2] [--form diffusive|cgru] [--steps 500] [--transient 1000] [--start 1] [--delta 0] [--trajectory] [--json|--csv]",
		`Runs two copies of a GRU (constant input, gain on weight_hh as in
cgru sync lyapunov) from different initial states, coupled with each strength
c of --coupling, and prints the synchronisation error ‖h_t − h'_t‖ for
t = 0…steps. Forms (--form):

  diffusive  h_{t+1} = (1−c)·F(h_t) + c·F(h'_t), and symmetrically. The
             difference evolves by (1−2c)·DF: the transverse exponent is
             λ⊥ = λ_max + ln|1−2c|, and the copies synchronise for
             c > c* = (1 − e^{−λ_max})/2.
  cgru       the CGRU's coupled new state with one constant gate c:
             ñ = (1−c)·n + c·n', h_{t+1} = (1−z)⊙ñ + z⊙h_t. λ⊥(c) and its
             root c* are computed numerically.

Both copies start from random states (seeds --start and --start+1) run
uncoupled for --transient steps, so both lie on the attractor, apart (for a
stable map, λ_max < 0, they may meet there already: pass --transient 0). With
--delta d > 0, h' starts at distance d from h instead (uncoupled, c = 0,
this shows sensitive dependence on initial conditions). The header gives
λ_max and c* (estimated over --lyapunov-steps steps) and λ⊥ at each c.
--trajectory adds both states at every step and their projection on the
principal plane of the uncoupled orbit (JSON only). --csv prints one row
per step: t, then the error for each c.`)
	nf := addNetworkFlags(fs)
	gain := fs.Float64("gain", 7.5, "gain on weight_hh (default 1 with --model)")
	coupArg := fs.String("coupling", "0,0.02,0.05,0.1,0.2", `coupling strengths: "from:to:step" or a comma list, each in [0, 1]`)
	formArg := fs.String("form", "diffusive", "coupling form: diffusive or cgru")
	steps := fs.Int("steps", 500, "coupled steps")
	transient := fs.Int("transient", 1000, "uncoupled steps that bring each copy onto the attractor")
	start := fs.Uint64("start", 1, "seed of the initial states")
	delta := fs.Float64("delta", 0, "start h' at this distance from h (0: independent initial states)")
	lsteps := fs.Int("lyapunov-steps", 20000, "steps of the λ_max and λ⊥ estimates in the header")
	traj := fs.Bool("trajectory", false, "include the states and their 2-D projection (JSON)")
	asJSON := fs.Bool("json", false, "print JSON")
	asCSV := fs.Bool("csv", false, "print CSV, one row per step")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	form, err := dynamics.ParseForm(*formArg)
	switch {
	case err != nil:
		return usageErrorf(fs, "--form: %v", err)
	case *steps < 1 || *steps > 1e7:
		return usageErrorf(fs, "--steps %d: want 1 to 1e7", *steps)
	case *transient < 0 || *transient > 1e8:
		return usageErrorf(fs, "--transient %d: want 0 to 1e8", *transient)
	case *lsteps < 10 || *lsteps > 1e8:
		return usageErrorf(fs, "--lyapunov-steps %d: want 10 to 1e8", *lsteps)
	case !(*delta >= 0) || math.IsInf(*delta, 0):
		return usageErrorf(fs, "--delta %g: want a finite number ≥ 0", *delta)
	case math.IsNaN(*gain) || math.IsInf(*gain, 0) || *gain < 0:
		return usageErrorf(fs, "--gain %g: want a finite number ≥ 0", *gain)
	case *asJSON && *asCSV:
		return usageErrorf(fs, "--json and --csv exclude each other")
	case *traj && !*asJSON:
		return usageErrorf(fs, "--trajectory needs --json")
	}
	cs, err := parseList(*coupArg, 0, 1)
	if err != nil {
		return usageErrorf(fs, "--coupling %q: %v", *coupArg, err)
	}
	net, err := nf.load(fs)
	if err != nil {
		return err
	}
	if net.Model != "" && !flagSet(fs, "gain") {
		*gain = 1
	}
	if *traj && len(cs)*(*steps+1)*net.Hidden > 5e7 {
		return usageErrorf(fs, "--trajectory of %d couplings × %d steps × H=%d is too large; fewer steps or couplings", len(cs), *steps+1, net.Hidden)
	}
	ctx, stop := interruptible()
	defer stop()
	g := net.gru(*gain)
	res := pairResult{Experiment: "pair", Network: net, Gain: *gain, Form: string(form), Steps: *steps, Transient: *transient,
		Start: *start, Delta: *delta, Couplings: dynamics.Nums(cs)}
	if err := pairTheory(ctx, g, form, cs, lyapunovOptions(*lsteps, *transient, *start), &res); err != nil {
		return syncErr(err)
	}
	x0, err := dynamics.Start(ctx, g, *start, *transient, *delta)
	if err != nil {
		return syncErr(fmt.Errorf("pair: %w", err))
	}
	var proj dynamics.Projection
	if *traj {
		// The principal plane of one copy's uncoupled orbit from h_0.
		orbit := make([]float64, 0, (*steps+1)*g.H)
		h := append([]float64(nil), x0[:g.H]...)
		for t := 0; t <= *steps; t++ {
			orbit = append(orbit, h...)
			g.Step(h, h)
		}
		proj = dynamics.PCA2(orbit, g.H)
	}
	for _, c := range cs {
		var h1, h2 [][]float64
		var pr [][4]num
		var each func(int, []float64)
		if *traj {
			each = func(t int, x []float64) {
				a, b := append([]float64(nil), x[:g.H]...), append([]float64(nil), x[g.H:]...)
				h1, h2 = append(h1, a), append(h2, b)
				u, v := proj.Apply(a)
				u2, v2 := proj.Apply(b)
				pr = append(pr, [4]num{num(u), num(v), num(u2), num(v2)})
			}
		}
		e, err := dynamics.Run(ctx, dynamics.NewPair(g, form, c), x0, *steps, each)
		if err != nil {
			return syncErr(fmt.Errorf("pair c=%g: %w", c, err))
		}
		res.Error = append(res.Error, dynamics.Nums(e))
		if *traj {
			res.H1, res.H2, res.Projection = append(res.H1, h1), append(res.H2, h2), append(res.Projection, pr)
		}
	}
	switch {
	case *asJSON:
		return writeJSON(stdout, res)
	case *asCSV:
		return writePairCSV(stdout, res)
	}
	printPair(stdout, res)
	return nil
}

// pairTheory fills λ_max, the threshold and λ⊥ at each c.
func pairTheory(ctx context.Context, g *dynamics.GRU, form dynamics.Form, cs []float64, opt dynamics.Options, res *pairResult) error {
	s0, err := dynamics.OnAttractor(ctx, g, opt.Seed, opt.Transient)
	if err != nil {
		return err
	}
	lam, err := dynamics.MaxLyapunov(ctx, g, s0, opt)
	if err != nil {
		return err
	}
	res.LambdaMax, res.StdErr = num(lam.Lambda), num(lam.StdErr)
	switch form {
	case dynamics.Diffusive:
		res.Threshold = num(dynamics.DiffusiveThreshold(lam.Lambda))
	case dynamics.CGRUForm:
		c, ok, err := dynamics.TransverseThreshold(ctx, g, form, s0, opt, 1e-4)
		if err != nil {
			return err
		}
		if !ok {
			c = math.NaN()
		}
		res.Threshold = num(c)
	}
	for _, c := range cs {
		e, err := dynamics.Transverse(ctx, dynamics.NewPair(g, form, c), s0, opt)
		if err != nil {
			return err
		}
		res.Transverse = append(res.Transverse, num(e.Lambda))
	}
	return nil
}

func writePairCSV(w io.Writer, r pairResult) error {
	cw := csv.NewWriter(w)
	head := []string{"t"}
	for _, c := range r.Couplings {
		head = append(head, "error_c="+strconv.FormatFloat(float64(c), 'g', -1, 64))
	}
	cw.Write(head)
	for t := 0; t <= r.Steps; t++ {
		row := []string{strconv.Itoa(t)}
		for k := range r.Couplings {
			row = append(row, strconv.FormatFloat(float64(r.Error[k][t]), 'g', -1, 64))
		}
		cw.Write(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing the result: %w", err)
	}
	return nil
}

func printPair(w io.Writer, r pairResult) {
	fmt.Fprintf(w, "two copies of the %s, gain %g, %s coupling\n", r.Network, r.Gain, r.Form)
	fmt.Fprintf(w, "λ_max = %.5f ± %.5f per step; threshold c* = %s\n", r.LambdaMax, r.StdErr, fmtNum(r.Threshold, "%.5f", "none up to 1/2"))
	if r.Delta > 0 {
		fmt.Fprintf(w, "h' started %g from h (start seed %d, after %d steps)\n\n", r.Delta, r.Start, r.Transient)
	} else {
		fmt.Fprintf(w, "independent initial states on the attractor (seeds %d, %d, after %d steps)\n\n", r.Start, r.Start+1, r.Transient)
	}
	fmt.Fprintf(w, "%8s %10s %12s %12s %12s %s\n", "c", "λ⊥", "‖δ‖ t=0", "min ‖δ‖", "‖δ‖ end", "")
	for k, c := range r.Couplings {
		e := r.Error[k]
		lo := math.Inf(1)
		for _, v := range e {
			lo = min(lo, float64(v))
		}
		state := "apart"
		if float64(e[len(e)-1]) < 1e-6 {
			state = "synchronised (< 1e-6)"
		}
		fmt.Fprintf(w, "%8.4g %10s %12.4g %12.4g %12.4g %s\n", c, fmtNum(r.Transverse[k], "%.5f", "−∞"), e[0], lo, e[len(e)-1], state)
	}
	fmt.Fprintf(w, "\n(--csv or --json for the error at every step)\n")
}

// fmtNum formats a finite number, or gives alt.
func fmtNum(v num, format, alt string) string {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return alt
	}
	return fmt.Sprintf(format, f)
}

// --------------------------------------------------------------- threshold

// thresholdResult is what `cgru sync threshold --json` prints.
type thresholdResult struct {
	Experiment string      `json:"experiment"` // "threshold"
	Network    syncNetwork `json:"network"`
	Gain       float64     `json:"gain"`
	Form       string      `json:"form"`
	Steps      int         `json:"steps"`
	Transient  int         `json:"transient"`
	Runs       int         `json:"runs"`
	Tol        float64     `json:"tol"`
	Start      uint64      `json:"start"`
	LyapSteps  int         `json:"lyapunov_steps"`
	Resolution float64     `json:"resolution"`
	LambdaMax  num         `json:"lambda_max"`
	StdErr     num         `json:"stderr"`
	// Theory: where λ⊥ crosses 0; Measured: the sweep's threshold refined
	// by bisection (Grid: on the grid); Tolerance: the expected agreement
	// (model/dynamics doc); Agree: |Measured − Theory| ≤ Tolerance.
	Theory    num  `json:"theory"`
	Measured  num  `json:"measured"`
	Grid      num  `json:"grid"`
	Tolerance num  `json:"tolerance"`
	Agree     bool `json:"agree"`
	// The tolerance's terms in units of λ⊥: horizon ln(δ0/tol)/steps,
	// bubbling σ²·ln(20·runs)/(2·ln(tol/ε0)), fluctuation 3·SE.
	Horizon     num `json:"horizon"`
	Bubbling    num `json:"bubbling"`
	Fluctuation num `json:"fluctuation"`
	Slope       num `json:"slope"`  // dλ⊥/dc at the theoretical threshold
	Delta0      num `json:"delta0"` // mean initial error of the runs
	// Per coupling of the grid: the final error of each run, whether all
	// synchronised, the measured decay rate and the computed λ⊥.
	Couplings  []num   `json:"couplings"`
	Final      [][]num `json:"final"`
	Synced     []bool  `json:"synced"`
	Rate       []num   `json:"rate"`
	Transverse []num   `json:"transverse"`
}

func runSyncThreshold(args []string, stdout io.Writer) error {
	fs := newFlags("sync threshold", "[--model M.json | --hidden 20 --seed 1] [--gain 7.5] [--form diffusive|cgru] [--couplings 0:0.3:0.01] [--steps 5000] [--runs 3] [--tol 1e-6] [--json]",
		`Measures the synchronisation threshold of two coupled copies (forms as in
cgru sync pair) and compares it with the theory. For every c of --couplings,
--runs pairs of initial states on the attractor (seeds --start, --start+2, …)
are coupled for --steps steps; c synchronises if every run ends with
‖h − h'‖ < --tol. The measured threshold is the smallest grid c from which
every c up to 1/2 synchronises, refined by bisection to --resolution. The
theory: λ⊥(c) = λ_max + ln|1−2c| crosses 0 at c* = (1 − e^{−λ_max})/2
(diffusive); for the cgru form λ⊥(c) is computed along the synchronised orbit
and c* is its root. Both exponents use --lyapunov-steps steps.

The two cannot agree exactly (model/dynamics derives why): a run of N steps
from an initial error δ0 needs λ⊥ ≲ −ln(δ0/tol)/N to reach tol (horizon);
just above c* a difference at the rounding floor ε0 bursts back up now and
then (bubbling), which stays below tol at the end in all runs only for
λ⊥ ≲ −σ²·ln(20·runs)/(2·ln(tol/ε0)), σ² the variance rate of the log growth;
and a finite-time exponent over N steps fluctuates by SE = σ/√N. The
tolerance is |dc/dλ⊥|·(max(horizon, bubbling) + 3·SE) + resolution; "agree"
says whether the measured threshold is within it. Also printed per c: λ⊥,
the measured decay rate of ln‖h − h'‖ (it estimates λ⊥ where the copies
synchronise) and the final errors.`)
	nf := addNetworkFlags(fs)
	gain := fs.Float64("gain", 7.5, "gain on weight_hh (default 1 with --model)")
	formArg := fs.String("form", "diffusive", "coupling form: diffusive or cgru")
	coupArg := fs.String("couplings", "0:0.3:0.01", `grid of coupling strengths: "from:to:step" or a comma list, each in [0, 1], sorted`)
	steps := fs.Int("steps", 5000, "coupled steps per run")
	transient := fs.Int("transient", 1000, "uncoupled steps that bring each copy onto the attractor")
	runs := fs.Int("runs", 3, "pairs of initial states per coupling")
	tol := fs.Float64("tol", 1e-6, "synchronised: ‖h − h'‖ below this after --steps steps")
	start := fs.Uint64("start", 1, "seed of the initial states")
	lsteps := fs.Int("lyapunov-steps", 20000, "steps of the λ_max and λ⊥ estimates")
	resolution := fs.Float64("resolution", 1e-3, "bisection resolution in c")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	form, err := dynamics.ParseForm(*formArg)
	switch {
	case err != nil:
		return usageErrorf(fs, "--form: %v", err)
	case *steps < 1 || *steps > 1e7:
		return usageErrorf(fs, "--steps %d: want 1 to 1e7", *steps)
	case *transient < 0 || *transient > 1e8:
		return usageErrorf(fs, "--transient %d: want 0 to 1e8", *transient)
	case *runs < 1 || *runs > 1000:
		return usageErrorf(fs, "--runs %d: want 1 to 1000", *runs)
	case !(*tol > 0) || math.IsInf(*tol, 0):
		return usageErrorf(fs, "--tol %g: want a finite number > 0", *tol)
	case *lsteps < 10 || *lsteps > 1e8:
		return usageErrorf(fs, "--lyapunov-steps %d: want 10 to 1e8", *lsteps)
	case !(*resolution > 0) || *resolution > 0.1:
		return usageErrorf(fs, "--resolution %g: want a number in (0, 0.1]", *resolution)
	case math.IsNaN(*gain) || math.IsInf(*gain, 0) || *gain < 0:
		return usageErrorf(fs, "--gain %g: want a finite number ≥ 0", *gain)
	}
	cs, err := parseList(*coupArg, 0, 1)
	if err != nil {
		return usageErrorf(fs, "--couplings %q: %v", *coupArg, err)
	}
	if !sort.Float64sAreSorted(cs) {
		return usageErrorf(fs, "--couplings %q: not sorted", *coupArg)
	}
	net, err := nf.load(fs)
	if err != nil {
		return err
	}
	if net.Model != "" && !flagSet(fs, "gain") {
		*gain = 1
	}
	ctx, stop := interruptible()
	defer stop()
	g := net.gru(*gain)
	r, err := dynamics.Threshold(ctx, g, cs, dynamics.ThresholdOptions{
		SweepOptions: dynamics.SweepOptions{Form: form, Steps: *steps, Transient: *transient, Runs: *runs, Tol: *tol, Seed: *start},
		Lyapunov:     lyapunovOptions(*lsteps, *transient, *start),
		Resolution:   *resolution,
	})
	if err != nil {
		return syncErr(fmt.Errorf("threshold: %w", err))
	}
	res := thresholdResult{Experiment: "threshold", Network: net, Gain: *gain, Form: string(form), Steps: *steps, Transient: *transient,
		Runs: *runs, Tol: *tol, Start: *start, LyapSteps: *lsteps, Resolution: *resolution,
		LambdaMax: num(r.Lambda.Lambda), StdErr: num(r.Lambda.StdErr), Theory: num(r.Theory), Measured: num(r.Empirical),
		Grid: num(r.Grid), Tolerance: num(r.Tolerance), Agree: r.Agree, Slope: num(r.Slope), Delta0: num(r.Delta0),
		Horizon: num(r.Horizon), Bubbling: num(r.Bubbling), Fluctuation: num(r.Fluctuation),
		Transverse: dynamics.Nums(r.Transverse)}
	if !r.TheoryOK {
		res.Theory = num(math.NaN())
	}
	for _, p := range r.Points {
		res.Couplings = append(res.Couplings, num(p.C))
		res.Final = append(res.Final, dynamics.Nums(p.Final))
		res.Synced = append(res.Synced, p.Synced)
		res.Rate = append(res.Rate, num(p.Rate))
	}
	if *asJSON {
		return writeJSON(stdout, res)
	}
	printThreshold(stdout, res)
	return nil
}

func printThreshold(w io.Writer, r thresholdResult) {
	fmt.Fprintf(w, "synchronisation threshold of two copies of the %s, gain %g, %s coupling\n", r.Network, r.Gain, r.Form)
	fmt.Fprintf(w, "λ_max = %.5f ± %.5f per step (%d steps)\n", r.LambdaMax, r.StdErr, r.LyapSteps)
	fmt.Fprintf(w, "%d runs per c, %d coupled steps, synchronised when ‖h − h'‖ < %g at the end (mean initial error %.3g)\n\n",
		r.Runs, r.Steps, r.Tol, r.Delta0)
	fmt.Fprintf(w, "%8s %10s %10s %6s  %s\n", "c", "λ⊥", "rate", "sync", "final errors")
	for k, c := range r.Couplings {
		mark := "no"
		if r.Synced[k] {
			mark = "yes"
		}
		fmt.Fprintf(w, "%8.4g %10s %10s %6s ", c, fmtNum(r.Transverse[k], "%.5f", "−∞"), fmtNum(r.Rate[k], "%.5f", "–"), mark)
		for _, f := range r.Final[k] {
			fmt.Fprintf(w, " %9.3g", f)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\ntheoretical threshold c* = %s\n", fmtNum(r.Theory, "%.5f", "none (λ⊥ > 0 at c = 1/2)"))
	fmt.Fprintf(w, "measured threshold      = %s (grid %s)\n", fmtNum(r.Measured, "%.5f", "none on the grid"), fmtNum(r.Grid, "%.4g", "–"))
	if !math.IsNaN(float64(r.Tolerance)) {
		verdict := "agree"
		if !r.Agree {
			verdict = "DISAGREE"
		}
		fmt.Fprintf(w, "tolerance               = %.5f: %s\n", r.Tolerance, verdict)
		fmt.Fprintf(w, "  = |dc/dλ⊥| %.4g × (max(horizon %.5f, bubbling %.5f) + fluctuation %.5f) + resolution %g\n",
			-1/float64(r.Slope), r.Horizon, r.Bubbling, r.Fluctuation, r.Resolution)
	}
	fmt.Fprintf(w, "\nλ⊥: transverse exponent (theory); rate: measured slope of ln‖h − h'‖ while it falls from 1e-3 to 1e-10\n")
}

// -------------------------------------------------------------------- gate

// gateResult is what `cgru sync gate --json` prints.
type gateResult struct {
	Experiment    string `json:"experiment"` // "gate"
	Model         string `json:"model"`
	Data          string `json:"data"`
	Dataset       string `json:"dataset"`
	Split         string `json:"split"`
	PairsPerClass int    `json:"pairs_per_class"`
	Seed          uint64 `json:"seed"`
	Normalized    bool   `json:"normalized"`
	T             int    `json:"T"`
	H             int    `json:"H"`
	// The study itself: the AUCs, and the positive and the negative side.
	dynamics.GateStudy
	// ClassNames, and per class (of the pair's first window) the mean gate
	// and distance of the positive and of the negative pairs.
	ClassNames []string `json:"class_names"`
	ClassGate  [2][]num `json:"class_gate"`     // [positive, negative][class]
	ClassDist  [2][]num `json:"class_distance"` // [positive, negative][class]
}

func runSyncGate(args []string, stdout io.Writer) error {
	fs := newFlags("sync gate", "--model cgru.json [--data PATH|embedded] [--split test|train] [--pairs-per-class 100] [--seed 1] [--json]",
		`Runs real pairs through a trained CGRU and reports, step by step, what its
learned coupling gate c_t = σ(W_hc(h + h') + b_hc) does: for positive pairs
(two windows of the same class) and negative pairs (different classes), the
gate averaged over units and pairs, and the synchronisation error
‖h_t − h'_t‖ averaged over pairs; then the same pairs with the gate forced to
0 (the plain GRU pair with the CGRU's own GRU weights), for contrast. Does
the gate couple similar pairs more? gate AUC > 0.5 says yes: it is the
probability that a positive pair's mean gate exceeds a negative pair's.

Pairs are drawn from --split as cgru noise draws them: per class,
--pairs-per-class positive pairs and as many negative ones (seed --seed).
The model file's normalisation, if any, is applied. Float64, CPU engine.`)
	modelPath := fs.String("model", "", "CGRU model file (required)")
	dataPath := fs.String("data", "embedded", "dataset: embedded, a UCI HAR folder or zip, or a CSV file")
	splitName := fs.String("split", "test", "windows the pairs come from: test or train")
	perClass := fs.Int("pairs-per-class", 100, "positive pairs, and negative pairs, drawn per class")
	seed := fs.Uint64("seed", 1, "seed of the pairs")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	switch {
	case *modelPath == "":
		return usageErrorf(fs, "--model is required")
	case *splitName != "test" && *splitName != "train":
		return usageErrorf(fs, "--split %q: want test or train", *splitName)
	case *perClass < 1 || *perClass > 100000:
		return usageErrorf(fs, "--pairs-per-class %d: want 1 to 100000", *perClass)
	}
	mf, split, err := loadModelAndData(*modelPath, *dataPath)
	if err != nil {
		return err
	}
	if mf.Net.Kind != model.CGRU {
		return fmt.Errorf("%s: kind %s: the gate experiment needs a CGRU", *modelPath, mf.Net.Kind)
	}
	ds := split.Test
	if *splitName == "train" {
		ds = split.Train
	}
	dpos, dneg := data.SamplePairs(ds.Labels, len(ds.ClassNames), *perClass, *seed)
	pos, neg := harness.Pairs(dpos), harness.Pairs(dneg)
	if len(pos) == 0 || len(neg) == 0 {
		return fmt.Errorf("%s: the %s split has %d positive and %d negative pairs to draw; need both", *dataPath, *splitName, len(pos), len(neg))
	}
	x := harness.Seqs64(ds)
	ctx, stop := interruptible()
	defer stop()
	study, err := dynamics.StudyGate(ctx, mf.Net, x, pos, neg, nil)
	if err != nil {
		return syncErr(err)
	}
	res := gateResult{Experiment: "gate", Model: *modelPath, Data: *dataPath, Dataset: ds.Name, Split: *splitName,
		PairsPerClass: *perClass, Seed: *seed, Normalized: mf.Normalization != nil, T: ds.T, H: mf.Net.Hidden,
		GateStudy: *study, ClassNames: ds.ClassNames}
	nc := len(ds.ClassNames)
	for k, side := range []struct {
		pairs []model.Pair
		g     dynamics.GateSide
	}{{pos, res.Positive}, {neg, res.Negative}} {
		res.ClassGate[k] = dynamics.Nums(dynamics.ClassMeans(side.pairs, ds.Labels, nc, side.g.PairGate))
		res.ClassDist[k] = dynamics.Nums(dynamics.ClassMeans(side.pairs, ds.Labels, nc, side.g.PairDist))
	}
	if *asJSON {
		return writeJSON(stdout, res)
	}
	printGate(stdout, res)
	return nil
}

func printGate(w io.Writer, r gateResult) {
	fmt.Fprintf(w, "coupling gate of %s on %s pairs of the %s split of %s (%d per class and side, seed %d)\n\n",
		r.Model, "positive and negative", r.Split, r.Dataset, r.PairsPerClass, r.Seed)
	fmt.Fprintf(w, "%-9s %6s %10s %12s %14s\n", "", "pairs", "mean gate", "distance", "gate off: dist")
	for _, s := range []struct {
		name string
		g    dynamics.GateSide
	}{{"positive", r.Positive}, {"negative", r.Negative}} {
		fmt.Fprintf(w, "%-9s %6d %10.4f %12.4f %14.4f\n", s.name, s.g.Pairs, s.g.MeanGate, s.g.Distance, s.g.DistanceGateOff)
	}
	fmt.Fprintf(w, "\ngate AUC (P[positive pair's mean gate > negative's]) = %.4f (± %.4f if the gate did not tell them apart)\n", r.GateAUC, r.GateAUCNullSE)
	fmt.Fprintf(w, "distance AUC (P[negative distance > positive]) = %.4f with the gate, %.4f with it off\n\n", r.DistanceAUC, r.DistanceAUCGateOff)
	fmt.Fprintf(w, "per class of the first window:\n%-22s %10s %10s %12s %12s\n", "class", "gate +", "gate −", "distance +", "distance −")
	for c, name := range r.ClassNames {
		fmt.Fprintf(w, "%-22s %10s %10s %12s %12s\n", name, fmtNum(r.ClassGate[0][c], "%.4f", "–"), fmtNum(r.ClassGate[1][c], "%.4f", "–"),
			fmtNum(r.ClassDist[0][c], "%.4f", "–"), fmtNum(r.ClassDist[1][c], "%.4f", "–"))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "per step (means over pairs):\n%5s %10s %10s %10s %10s %12s %12s\n", "t", "gate +", "gate −", "error +", "error −", "off error +", "off error −")
	for t := 0; t < r.T; t++ {
		if t < 8 || t%16 == 15 || t == r.T-1 {
			fmt.Fprintf(w, "%5d %10.4f %10.4f %10.4f %10.4f %12.4f %12.4f\n", t+1, r.Positive.Gate[t], r.Negative.Gate[t],
				r.Positive.Error[t], r.Negative.Error[t], r.Positive.ErrorGateOff[t], r.Negative.ErrorGateOff[t])
		}
	}
	fmt.Fprintf(w, "\n(--json for every step)\n")
	if strings.Contains(r.Dataset, "HAR") {
		fmt.Fprintf(w, "Data: UCI Human Activity Recognition Using Smartphones (Anguita et al., ESANN 2013; UCI Machine Learning Repository; CC BY 4.0).\n")
	}
}
