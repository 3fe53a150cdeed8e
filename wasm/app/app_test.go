package app

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/internal/harness"
	"github.com/cgru/cgru/model"
)

// recorder is a Host that keeps the events and gives the CPU engine.
type recorder struct {
	t      testing.TB
	mu     sync.Mutex
	events []event
}

type event struct {
	name string
	data json.RawMessage
}

func (h *recorder) Emit(name string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		h.t.Errorf("event %s does not marshal: %v", name, err)
	}
	h.mu.Lock()
	h.events = append(h.events, event{name, b})
	h.mu.Unlock()
}

func (h *recorder) Yield() { runtime.Gosched() }

func (h *recorder) Release(model.Engine[float32]) {}

func (h *recorder) Engine(ctx context.Context) (model.Engine[float32], EngineInfo) {
	return &model.CPU[float32]{Threads: 1}, EngineInfo{Backend: "cpu", Reason: "test"}
}

func (h *recorder) named(name string) []json.RawMessage {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []json.RawMessage
	for _, e := range h.events {
		if e.name == name {
			out = append(out, e.data)
		}
	}
	return out
}

func newApp(t testing.TB) (*App, *recorder) {
	h := &recorder{t: t}
	return New(h), h
}

// call runs op with args (marshalled) and decodes the reply's value into
// out (if not nil); it fails the test on error.
func call(t testing.TB, a *App, op string, arg any, out any, files ...File) Reply {
	t.Helper()
	rep, err := try(a, op, arg, files...)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	if out != nil {
		b, err := json.Marshal(rep.Value)
		if err != nil {
			t.Fatalf("%s: reply does not marshal: %v", op, err)
		}
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s: reply: %v", op, err)
		}
	}
	return rep
}

func try(a *App, op string, arg any, files ...File) (Reply, error) {
	var raw json.RawMessage
	if arg != nil {
		b, err := json.Marshal(arg)
		if err != nil {
			return Reply{}, err
		}
		raw = b
	}
	return a.Handle(context.Background(), Request{Op: op, Args: raw, Files: files})
}

// tiny is a training configuration small enough for a test: 4 windows per
// class, batches of 2 per class, 2 epochs, 2 validation references per
// class.
func tiny() Config {
	c := DefaultConfig()
	c.TrainPerClass, c.PerClass, c.Epochs, c.ValRefs, c.Hidden = 4, 2, 2, 2, 8
	return c
}

// waitRuns polls until no run is active.
func waitRuns(t testing.TB, a *App) []*RunInfo {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		var r struct{ Runs []*RunInfo }
		call(t, a, "runs", nil, &r)
		busy := false
		for _, ri := range r.Runs {
			busy = busy || ri.Status == statusRunning || ri.Status == statusPaused
		}
		if !busy {
			return r.Runs
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("training did not end")
	return nil
}

func TestHello(t *testing.T) {
	a, _ := newApp(t)
	var h helloReply
	call(t, a, "hello", nil, &h)
	if h.Data.Train.N != 432 || h.Data.Test.N != 216 || len(h.Data.Channels) != 9 || h.Data.T != 128 || !h.Data.Embedded {
		t.Errorf("embedded summary: train %d, test %d, %d channels, T %d; want 432, 216, 9, 128", h.Data.Train.N, h.Data.Test.N, len(h.Data.Channels), h.Data.T)
	}
	for c, n := range h.Data.Train.ClassCounts {
		if n != 72 {
			t.Errorf("class %d: %d training windows, want 72", c, n)
		}
	}
	if len(h.Data.Train.Subjects) != 21 || len(h.Data.Test.Subjects) != 9 {
		t.Errorf("%d train and %d test subjects, want 21 and 9", len(h.Data.Train.Subjects), len(h.Data.Test.Subjects))
	}
	if len(h.Runs) != 2 || h.Runs[0].Kind != model.SGRU || h.Runs[1].Kind != model.CGRU || h.Runs[1].Status != statusNew {
		t.Errorf("runs %+v, want a new SGRU and CGRU", h.Runs)
	}
	for _, op := range []string{"data.load", "train.start", "compare", "evaluate", "noise", "model.save", "model.load", "run.restore", "bench"} {
		if !slices.Contains(h.Ops, op) {
			t.Errorf("operation %s missing from %v", op, h.Ops)
		}
	}
	if h.Defaults != DefaultConfig() {
		t.Errorf("defaults %+v", h.Defaults)
	}
	// The SGRU and the CGRU start from the same GRU weights.
	s, c := a.runs[model.SGRU].current, a.runs[model.CGRU].current
	if !slices.Equal(s.Params, c.Params[:len(s.Params)]) {
		t.Errorf("the untrained SGRU and CGRU differ in their GRU weights")
	}
}

func TestBadRequests(t *testing.T) {
	a, _ := newApp(t)
	for _, c := range []struct {
		op   string
		arg  any
		want string
	}{
		{"nope", nil, `unknown operation "nope"`},
		{"compare", map[string]any{"a": map[string]any{"split": "train", "index": 0}, "bogus": 1}, `unknown field "bogus"`},
		{"compare", map[string]any{"a": map[string]any{"split": "train", "index": 999}, "b": map[string]any{"split": "test", "index": 0}}, "train window 999: the split has 432 windows"},
		{"compare", map[string]any{"a": map[string]any{"split": "val", "index": 0}}, `split "val": want train or test`},
		{"train.start", map[string]any{"config": func() Config { c := DefaultConfig(); c.Hidden = 0; return c }()}, "setting hidden: 0, want 1 to 256"},
		{"train.start", map[string]any{"kinds": []string{"lstm"}}, `unknown`},
		{"evaluate", map[string]any{"refs_per_class": -1}, "refs_per_class -1"},
		{"noise", map[string]any{"sigmas": []float64{-1}}, "σ = -1"},
		{"model.load", nil, "give one model file"},
	} {
		_, err := try(a, c.op, c.arg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: error %v, want one containing %q", c.op, c.arg, err, c.want)
		}
	}
}

// harFiles is a small UCI HAR layout as the files of a dropped folder
// ("UCI HAR Dataset/…"): 12 train windows of 3 subjects and 6 test windows,
// T = 8, two classes.
func harFiles() []File {
	root := "UCI HAR Dataset/"
	files := []File{{root + "activity_labels.txt", []byte("1 WALKING\n2 SITTING\n")}}
	for _, sp := range []struct {
		name string
		n    int
	}{{"train", 12}, {"test", 6}} {
		var y, s strings.Builder
		for i := range sp.n {
			fmt.Fprintf(&y, "%d\n", 1+i%2)
			fmt.Fprintf(&s, "%d\n", 1+i%3)
		}
		files = append(files, File{root + sp.name + "/y_" + sp.name + ".txt", []byte(y.String())},
			File{root + sp.name + "/subject_" + sp.name + ".txt", []byte(s.String())})
		for c, ch := range data.HARChannels() {
			var b strings.Builder
			for i := range sp.n {
				for t := range 8 {
					fmt.Fprintf(&b, " %.6e", math.Sin(float64(i*8+t+c))*float64(1+i%2))
				}
				b.WriteString("\n")
			}
			files = append(files, File{root + sp.name + "/Inertial Signals/" + ch + "_" + sp.name + ".txt", []byte(b.String())})
		}
	}
	return files
}

func TestLoadData(t *testing.T) {
	a, _ := newApp(t)
	var res LoadResult
	call(t, a, "data.load", map[string]any{"name": "UCI HAR Dataset"}, &res, harFiles()...)
	if res.Data.Train.N != 12 || res.Data.Test.N != 6 || res.Data.T != 8 || len(res.Data.ClassNames) != 2 || res.Data.Title != "UCI HAR Dataset" {
		t.Fatalf("folder: %+v", res.Data)
	}
	if res.Runs[1].Status != statusNew || a.runs[model.CGRU].current.Input != 9 {
		t.Errorf("runs after loading: %+v", res.Runs)
	}
	// A CSV file.
	csv := "window,split,subject,label,a,b\n" +
		"w1,train,1,up,1,2\nw1,train,1,up,1.5,2\nw1,train,1,up,2,2\n" +
		"w2,train,2,down,0,1\nw2,train,2,down,-1,1\nw2,train,2,down,-2,1\n" +
		"w3,test,3,up,1,1\nw3,test,3,up,2,1\nw3,test,3,up,3,1\n"
	call(t, a, "data.load", map[string]any{"name": "mine.csv"}, &res, File{"mine.csv", []byte(csv)})
	if res.Data.Train.N != 2 || res.Data.Test.N != 1 || len(res.Data.Channels) != 2 || a.runs[model.SGRU].current.Input != 2 {
		t.Fatalf("csv: %+v", res.Data)
	}
	id := res.Data.ID
	// A bad CSV: the error names the file, line and field; nothing changes.
	bad := strings.Replace(csv, "w2,train,2,down,-1,1", "w2,train,2,down,-1,x", 1)
	_, err := try(a, "data.load", map[string]any{"name": "bad.csv"}, File{"bad.csv", []byte(bad)})
	if err == nil || !strings.Contains(err.Error(), "bad.csv:6: field 6 (b)") {
		t.Errorf("bad CSV: error %v, want one naming bad.csv:6: field 6 (b)", err)
	}
	var sum Summary
	call(t, a, "data.summary", nil, &sum)
	if sum.ID != id {
		t.Errorf("a refused upload changed the data")
	}
	// Export and load back (what the page keeps in IndexedDB).
	rep := call(t, a, "data.export", nil, nil)
	if len(rep.Bytes) == 0 {
		t.Fatal("data.export: no bytes")
	}
	call(t, a, "data.load", map[string]any{"name": "mine.csv", "title": "mine.csv"}, &res, File{"stored", rep.Bytes})
	if res.Data.ID != id || res.Data.Title != "mine.csv" {
		t.Errorf("exported and reloaded: id %s title %q, want %s mine.csv", res.Data.ID, res.Data.Title, id)
	}
	call(t, a, "data.load", map[string]any{"name": "embedded"}, &res)
	if !res.Data.Embedded || res.Data.Train.N != 432 {
		t.Errorf("back to the embedded data: %+v", res.Data.Train.N)
	}
	var g struct{ Windows []Window }
	call(t, a, "data.gallery", map[string]any{"per_class": 3}, &g)
	if len(g.Windows) != 18 || len(g.Windows[0].X) != 128*9 {
		t.Errorf("gallery: %d windows of %d values, want 18 of %d", len(g.Windows), len(g.Windows[0].X), 128*9)
	}
}

func TestTrainCompareSaveLoad(t *testing.T) {
	a, h := newApp(t)
	var st struct{ Runs []*RunInfo }
	call(t, a, "train.start", map[string]any{"config": tiny()}, &st)
	if len(st.Runs) != 2 || st.Runs[0].Status != statusRunning {
		t.Fatalf("train.start: %+v", st.Runs)
	}
	if _, err := try(a, "train.start", nil); err == nil {
		t.Errorf("a second train.start while training: no error")
	}
	if _, err := try(a, "data.load", map[string]any{"name": "embedded"}); err == nil {
		t.Errorf("data.load while training: no error")
	}
	runs := waitRuns(t, a)
	for _, r := range runs {
		if r.Status != statusDone || len(r.History) != 2 || r.BestEpoch < 1 || r.TrainWindows == 0 || r.ValRefs != 12 {
			t.Errorf("%s: status %s (%s), %d epochs, best epoch %d, %d training windows, %d refs; want done, 2 epochs, 12 refs",
				r.Kind, r.Status, r.Message, len(r.History), r.BestEpoch, r.TrainWindows, r.ValRefs)
		}
	}
	if n := len(h.named("train.batch")); n < 8 {
		t.Errorf("%d batch events, want at least 2 kinds × 2 epochs × 2 batches", n)
	}
	if n := len(h.named("train.epoch")); n != 4 {
		t.Errorf("%d epoch events, want 4", n)
	}
	if n := len(h.named("train.checkpoint")); n < 4 {
		t.Errorf("%d checkpoint events, want at least 4", n)
	}

	// Compare: the distance is the float64 CPU engine's on the saved model
	// file (what cgru distance computes).
	pair := map[string]any{"a": WindowRef{"test", 3}, "b": WindowRef{"test", 100}}
	var cmp CompareResult
	call(t, a, "compare", pair, &cmp)
	if len(cmp.Traces) != 2 || cmp.A.ID == "" || len(cmp.A.X) != 128*9 {
		t.Fatalf("compare: %+v", cmp.A)
	}
	for _, tr := range cmp.Traces {
		var saved struct{ Text, Name string }
		call(t, a, "model.save", map[string]any{"kind": tr.Kind}, &saved)
		mf, err := model.ParseFile([]byte(saved.Text), saved.Name)
		if err != nil {
			t.Fatal(err)
		}
		x := model.NewSeqs[float64](2, 128, 9)
		for i, v := range cmp.A.X {
			x.X[i] = float64(v)
		}
		for i, v := range cmp.B.X {
			x.X[128*9+i] = float64(v)
		}
		want := (&model.CPU[float64]{}).Distances(mf.Net, x, []model.Pair{{A: 0, B: 1}})[0]
		if math.Abs(tr.Distance-want) > 1e-9*max(1, want) {
			t.Errorf("%s: compare distance %.12g, model file distance %.12g", tr.Kind, tr.Distance, want)
		}
		se := tr.SyncError[len(tr.SyncError)-1]
		if math.Abs(se-tr.Distance) > 1e-12 || len(tr.H1) != tr.T*tr.H || tr.T != 128 {
			t.Errorf("%s: last sync error %g, distance %g, %d states", tr.Kind, se, tr.Distance, len(tr.H1))
		}
		if (tr.Kind == model.CGRU) != (tr.MeanGate != nil) {
			t.Errorf("%s: mean gate %v", tr.Kind, tr.MeanGate != nil)
		}
		var rec model.TrainRecord
		if err := json.Unmarshal(mf.Training, &rec); err != nil || len(rec.ValSubjects) == 0 || len(rec.History) != 2 || rec.Kind != tr.Kind ||
			rec.Backend != "cpu" || !strings.HasPrefix(rec.App, "cgru web page ") || rec.LossFunc() != DefaultConfig().loss() {
			t.Errorf("%s: training record %+v (%v)", tr.Kind, rec, err)
		}
		// Load it back: the same distance.
		var info RunInfo
		call(t, a, "model.load", nil, &info, File{saved.Name, []byte(saved.Text)})
		if info.Status != statusLoaded || info.Kind != tr.Kind || len(info.History) != 2 {
			t.Errorf("model.load: %+v", info)
		}
	}
	var again CompareResult
	call(t, a, "compare", pair, &again)
	for i := range again.Traces {
		if again.Traces[i].Distance != cmp.Traces[i].Distance {
			t.Errorf("%s: distance %v after save and load, %v before", again.Traces[i].Kind, again.Traces[i].Distance, cmp.Traces[i].Distance)
		}
	}
	var d struct{ Distances []float64 }
	call(t, a, "distances", map[string]any{"kind": "cgru", "pairs": [][2]WindowRef{{{"test", 3}, {"test", 100}}}}, &d)
	if len(d.Distances) != 1 || d.Distances[0] != cmp.Traces[1].Distance {
		t.Errorf("distances %v, compare %v", d.Distances, cmp.Traces[1].Distance)
	}
	// A bad model file names its field.
	_, err := try(a, "model.load", nil, File{"m.json", []byte(`{"format":"cgru-model","version":1,"kind":"cgru","input_size":9,"hidden_size":2,"params":{}}`)})
	if err == nil || !strings.Contains(err.Error(), "m.json: params.weight_ih: missing") {
		t.Errorf("bad model file: %v", err)
	}
	_, err = try(a, "model.load", nil, File{"m3.json", []byte(strings.Replace(`{"format":"cgru-model","version":1,"kind":"sgru","input_size":3,"hidden_size":1,"params":{"weight_ih":[[0,0,0],[0,0,0],[0,0,0]],"weight_hh":[[0],[0],[0]],"bias_ih":[0,0,0],"bias_hh":[0,0,0]}}`, "", "", 1))})
	if err == nil || !strings.Contains(err.Error(), "input size 3, but the data loaded has 9 channels") {
		t.Errorf("model of other input size: %v", err)
	}
}

func TestPauseResumeStopRestore(t *testing.T) {
	a, h := newApp(t)
	cfg := tiny()
	cfg.Epochs, cfg.EarlyStop = 1000, 0
	call(t, a, "train.start", map[string]any{"kinds": []string{"cgru"}, "config": cfg}, nil)
	waitFor(t, func() bool { return len(h.named("train.epoch")) >= 1 })
	call(t, a, "train.pause", nil, nil)
	waitFor(t, func() bool { return a.status(model.CGRU) == statusPaused })
	n := len(h.named("train.batch"))
	time.Sleep(50 * time.Millisecond)
	if m := len(h.named("train.batch")); m != n {
		t.Errorf("%d batches done while paused", m-n)
	}
	call(t, a, "train.resume", nil, nil)
	waitFor(t, func() bool { return len(h.named("train.batch")) > n })
	var st struct{ Runs []*RunInfo }
	call(t, a, "train.stop", nil, &st)
	c := st.Runs[1]
	if c.Status != statusStopped || c.Epoch < 1 || c.Epoch >= 1000 {
		t.Fatalf("after stop: %s, %d epochs (%s)", c.Status, c.Epoch, c.Message)
	}
	if st.Runs[0].Status != statusNew {
		t.Errorf("the SGRU was not asked to train, but is %s", st.Runs[0].Status)
	}
	// The checkpoint brings the run back in another app (a reload).
	var ck struct{ Text string }
	call(t, a, "run.checkpoint", map[string]any{"kind": "cgru"}, &ck)
	pair := map[string]any{"a": WindowRef{"train", 7}, "b": WindowRef{"test", 9}}
	var before CompareResult
	call(t, a, "compare", pair, &before)
	b, _ := newApp(t)
	var info RunInfo
	call(t, b, "run.restore", map[string]any{"text": ck.Text}, &info)
	if info.Status != statusStopped || info.Epoch != c.Epoch || info.BestEpoch != c.BestEpoch || info.Config != cfg || info.Message != c.Message {
		t.Errorf("restored %+v, want %+v", info, c)
	}
	var after CompareResult
	call(t, b, "compare", pair, &after)
	if after.Traces[1].Distance != before.Traces[1].Distance {
		t.Errorf("restored CGRU distance %v, before %v", after.Traces[1].Distance, before.Traces[1].Distance)
	}
	// The restored run continues.
	cfg.Epochs = c.Epoch + 1
	call(t, b, "train.start", map[string]any{"kinds": []string{"cgru"}, "mode": "continue", "config": cfg}, nil)
	runs := waitRuns(t, b)
	if runs[1].Status != statusDone || runs[1].Epoch != c.Epoch+1 {
		t.Errorf("continued: %s after %d epochs (%s), want done after %d", runs[1].Status, runs[1].Epoch, runs[1].Message, c.Epoch+1)
	}
	// A checkpoint of other data is refused.
	call(t, b, "data.load", map[string]any{"name": "UCI HAR Dataset"}, nil, harFiles()...)
	if _, err := try(b, "run.restore", map[string]any{"text": ck.Text}); err == nil || !strings.Contains(err.Error(), "trained on other data") {
		t.Errorf("restore on other data: %v", err)
	}
}

func (a *App) status(k model.Kind) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.runs[k].status
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestEvaluate checks "evaluate" against model.DistanceMatrix and
// model.Evaluate on the same sets, and the piecewise distance matrix
// against the model's for both kinds.
func TestEvaluate(t *testing.T) {
	a, h := newApp(t)
	var res struct {
		Results []EvalResult
		Queries int
		Refs    int
	}
	call(t, a, "evaluate", map[string]any{"refs_per_class": 3, "queries_per_class": 2, "seed": 5}, &res)
	if res.Queries != 12 || res.Refs != 18 || len(res.Results) != 2 {
		t.Fatalf("evaluate: %d queries, %d refs, %d results", res.Queries, res.Refs, len(res.Results))
	}
	sp := data.Embedded()
	q := sp.Test.Subset(data.BalancedSubset(sp.Test, 2, 5))
	r := sp.Train.Subset(data.BalancedSubset(sp.Train, 3, 5))
	for _, er := range res.Results {
		net, _ := a.runs[er.Kind].model()
		dm := model.DistanceMatrix(&model.CPU[float32]{Threads: 1}, net, harness.Seqs(q), harness.Seqs(r), nil)
		want := model.Evaluate(dm, q.Len(), r.Len(), q.Labels, r.Labels, 6)
		if er.Eval.Accuracy != want.Accuracy || er.Eval.MAP != want.MAP || er.Eval.MacroF1 != want.MacroF1 {
			t.Errorf("%s: accuracy %v MAP %v F1 %v, want %v %v %v", er.Kind, er.Eval.Accuracy, er.Eval.MAP, er.Eval.MacroF1, want.Accuracy, want.MAP, want.MacroF1)
		}
		if er.Refs != "refs: 3 per class, 18 windows" {
			t.Errorf("refs %q", er.Refs)
		}
	}
	if len(h.named("task.progress")) == 0 {
		t.Errorf("no progress events")
	}
	old := chunkPairs
	chunkPairs = 7
	defer func() { chunkPairs = old }()
	for _, k := range kinds {
		net, _ := a.runs[k].model()
		got, err := distanceMatrix(context.Background(), runtime.Gosched, &model.CPU[float32]{Threads: 1}, net, harness.Seqs(q), harness.Seqs(r), nil)
		if err != nil {
			t.Fatal(err)
		}
		want := model.DistanceMatrix(&model.CPU[float32]{Threads: 1}, net, harness.Seqs(q), harness.Seqs(r), nil)
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-6*max(1, want[i]) {
				t.Fatalf("%s: distance %d: %v, want %v", k, i, got[i], want[i])
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	net, _ := a.runs[model.CGRU].model()
	if _, err := distanceMatrix(ctx, runtime.Gosched, &model.CPU[float32]{}, net, harness.Seqs(q), harness.Seqs(r), nil); err != context.Canceled {
		t.Errorf("cancelled distance matrix: %v", err)
	}
}

// TestNoise checks the σ = 0 point against the distances of the pairs of
// data.SamplePairs, and that noise moves the distances.
func TestNoise(t *testing.T) {
	a, _ := newApp(t)
	var res struct {
		Sigmas []float64
		NPos   int `json:"n_pos"`
		Curves []NoiseCurve
	}
	call(t, a, "noise", map[string]any{"sigmas": []float64{0, 1}, "pairs_per_class": 2, "seed": 3}, &res)
	if len(res.Curves) != 2 || len(res.Curves[0].MeanPos) != 2 {
		t.Fatalf("noise: %+v", res)
	}
	test := data.Embedded().Test
	pos, _ := data.SamplePairs(test.Labels, 6, 2, 3)
	for _, c := range res.Curves {
		net, _ := a.runs[c.Kind].model()
		var sum float64
		e := &model.CPU[float32]{Threads: 1}
		for _, p := range pos {
			x := model.NewSeqs[float32](2, 128, 9)
			copy(x.Seq(0), test.Window(p.A))
			copy(x.Seq(1), test.Window(p.B))
			sum += e.Distances(net, x, []model.Pair{{A: 0, B: 1}})[0]
		}
		if want := sum / float64(len(pos)); math.Abs(c.MeanPos[0]-want) > 1e-6 {
			t.Errorf("%s: mean positive distance at σ=0: %v, want %v", c.Kind, c.MeanPos[0], want)
		}
		if c.MeanPos[1] == c.MeanPos[0] || math.IsNaN(c.MeanNeg[1]) {
			t.Errorf("%s: noise changed nothing: %v", c.Kind, c.MeanPos)
		}
	}
}

func TestBenchAndPick(t *testing.T) {
	a, _ := newApp(t)
	var b BenchResult
	call(t, a, "bench", map[string]any{"kind": "cgru", "batch": 12, "rounds": 2, "warmup": 0}, &b)
	if b.Pairs != 66 || len(b.TrainAll) != 2 || !(b.TrainStepMS > 0) || b.Backend != "cpu" {
		t.Errorf("bench: %+v", b)
	}
	for _, mode := range []string{"same", "different", "hard"} {
		var p struct {
			A, B WindowRef
		}
		call(t, a, "compare.pick", map[string]any{"mode": mode, "seed": 9, "candidates": 8}, &p)
		la, lb := a.data.split.Test.Labels[p.A.Index], a.data.split.Test.Labels[p.B.Index]
		if p.A == p.B || (mode == "different") != (la != lb) {
			t.Errorf("pick %s: %v (class %d) and %v (class %d)", mode, p.A, la, p.B, lb)
		}
	}
	if runtime.GOOS != "js" {
		// Hard positives are far apart under the SGRU: farther than a
		// random positive pair on average.
		var p struct{ A, B WindowRef }
		call(t, a, "compare.pick", map[string]any{"mode": "hard", "seed": 1, "candidates": 64, "class": 0}, &p)
		var d struct{ Distances []float64 }
		call(t, a, "distances", map[string]any{"kind": "sgru", "pairs": [][2]WindowRef{{p.A, p.B}}}, &d)
		var sum float64
		for s := range uint64(16) {
			var q struct{ A, B WindowRef }
			call(t, a, "compare.pick", map[string]any{"mode": "same", "seed": s, "class": 0}, &q)
			var dq struct{ Distances []float64 }
			call(t, a, "distances", map[string]any{"kind": "sgru", "pairs": [][2]WindowRef{{q.A, q.B}}}, &dq)
			sum += dq.Distances[0]
		}
		if d.Distances[0] <= sum/16 {
			t.Errorf("hard positive at distance %v, random positives at %v on average", d.Distances[0], sum/16)
		}
	}
}
