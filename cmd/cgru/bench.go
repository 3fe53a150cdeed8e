package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cgru/cgru/internal/harness"
	"github.com/cgru/cgru/model"
)

// benchResult is what `cgru bench --json` prints.
type benchResult struct {
	Kind        model.Kind `json:"kind"`
	Backend     string     `json:"backend"`
	Adapter     string     `json:"adapter,omitempty"` // the GPU adapter (backend webgpu)
	Reason      string     `json:"reason,omitempty"`  // why auto runs the CPU engine
	Threads     int        `json:"threads"`
	SIMD        bool       `json:"simd"`
	Batch       int        `json:"batch"`
	Pairs       int        `json:"pairs"`
	T           int        `json:"T"`
	I           int        `json:"I"`
	H           int        `json:"H"`
	Loss        string     `json:"loss"`
	Rounds      int        `json:"rounds"`
	TrainStepMS float64    `json:"train_step_ms"` // median
	ForwardMS   float64    `json:"forward_ms"`    // median, distances of all pairs, no tape
	TrainMinMS  float64    `json:"train_step_min_ms"`
	ForwardMin  float64    `json:"forward_min_ms"`
	TrainAll    []float64  `json:"train_step_samples_ms"`
	ForwardAll  []float64  `json:"forward_samples_ms"`
	PeakRSSMiB  float64    `json:"peak_rss_mib,omitempty"` // whole process, Linux VmHWM
	HeapMiB     float64    `json:"heap_sys_mib"`           // Go heap obtained from the OS
	GoVersion   string     `json:"go"`
}

func runBench(args []string, stdout io.Writer) error {
	fs := newFlags("bench", "[--kind cgru|sgru] [--batch 36] [--threads N] [--backend cpu|webgpu|auto] [--json]",
		`Times one training step of a class-balanced batch of real HAR windows
(the embedded subset: --batch/6 windows of each of the 6 activities, T=128,
I=9) with all its pairs, H=20, float32: loss and gradient of all pairs, the
coupling penalty, clipping and an Adam step. Also times the forward pass alone
(distances of all pairs). Prints medians over --rounds after --warmup steps.
A benchmark, not a test: compare ratios measured side by side (bench/compare.sh).
With --backend webgpu the step runs on the GPU (one submit, one readback); on
Mesa's lavapipe (a CPU rasteriser) the figures say nothing about real GPUs.`)
	kindName := fs.String("kind", "cgru", "model: cgru or sgru")
	batch := fs.Int("batch", 36, "windows per batch (a multiple of 6: batch/6 per class)")
	threads := fs.Int("threads", 0, "worker goroutines (0: all cores)")
	rounds := fs.Int("rounds", 15, "timed steps")
	warmup := fs.Int("warmup", 2, "untimed steps first")
	hidden := fs.Int("hidden", 20, "hidden size H")
	lf := addLossFlags(fs)
	backend := backendFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	kind, err := model.ParseKind(*kindName)
	if err != nil {
		return usageErrorf(fs, "--kind: %v", err)
	}
	loss, ok := lf.loss()
	if !ok {
		return usageErrorf(fs, "--loss %q: want contrastive or structural", *lf.name)
	}
	if *batch < 6 || *batch%6 != 0 || *rounds < 1 || *warmup < 0 || *hidden < 1 || *threads < 0 {
		return usageErrorf(fs, "--batch must be a positive multiple of 6, --rounds ≥ 1, --warmup ≥ 0, --hidden ≥ 1, --threads ≥ 0")
	}
	if err := checkBackend(fs, *backend); err != nil {
		return err
	}
	b, err := harness.NewBench(kind, *batch, *hidden, loss)
	if err != nil {
		return err
	}
	eng, err := openEngine(*backend, *threads)
	if err != nil {
		return err
	}
	defer eng.close()
	for i := 0; i < *warmup; i++ {
		if err := b.Step(eng.Engine); err != nil {
			return err
		}
		if _, err := eng.distances(b.Net, b.X, b.Pairs); err != nil {
			return err
		}
	}
	res := benchResult{Kind: kind, Backend: eng.Backend, Adapter: eng.Adapter, Reason: eng.Reason, Threads: *threads, SIMD: model.SIMD(), Batch: b.X.N,
		Pairs: len(b.Pairs), T: b.X.T, I: b.X.I, H: *hidden, Loss: loss.String(), Rounds: *rounds, GoVersion: runtime.Version()}
	if res.Threads == 0 {
		res.Threads = runtime.GOMAXPROCS(0)
	}
	for i := 0; i < *rounds; i++ {
		t0 := time.Now()
		if err := b.Step(eng.Engine); err != nil {
			return err
		}
		t1 := time.Now()
		if _, err := eng.distances(b.Net, b.X, b.Pairs); err != nil {
			return err
		}
		t2 := time.Now()
		res.TrainAll = append(res.TrainAll, ms(t1.Sub(t0)))
		res.ForwardAll = append(res.ForwardAll, ms(t2.Sub(t1)))
	}
	if b, reason := eng.status(); b != res.Backend {
		res.Backend, res.Reason = b, reason // auto fell back during the run
	}
	res.TrainStepMS, res.TrainMinMS = harness.Median(res.TrainAll), slices.Min(res.TrainAll)
	res.ForwardMS, res.ForwardMin = harness.Median(res.ForwardAll), slices.Min(res.ForwardAll)
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	res.HeapMiB = float64(m.HeapSys) / (1 << 20)
	res.PeakRSSMiB = peakRSS()
	if *asJSON {
		return writeJSON(stdout, res)
	}
	fmt.Fprintf(stdout, "%s, %d windows (%d pairs), T=%d I=%d H=%d, %s, %d threads, SIMD %v, %s\n",
		kind, res.Batch, res.Pairs, res.T, res.I, res.H, res.Backend, res.Threads, res.SIMD, res.Loss)
	if res.Adapter != "" {
		fmt.Fprintf(stdout, "adapter: %s\n", res.Adapter)
	}
	fmt.Fprintf(stdout, "training step: median %.1f ms (min %.1f) over %d rounds\n", res.TrainStepMS, res.TrainMinMS, res.Rounds)
	fmt.Fprintf(stdout, "forward only:  median %.1f ms (min %.1f)\n", res.ForwardMS, res.ForwardMin)
	if res.PeakRSSMiB > 0 {
		fmt.Fprintf(stdout, "peak memory:   %.0f MiB resident (Go heap %.0f MiB)\n", res.PeakRSSMiB, res.HeapMiB)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// peakRSS returns the process's peak resident memory in MiB (Linux), or 0.
func peakRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}
