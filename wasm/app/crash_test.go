package app

import (
	"context"
	"strings"
	"testing"

	"github.com/cgru/cgru/model"
)

// oneSubjectCSV is a CSV of one training subject (two windows, two
// classes) and one test window.
const oneSubjectCSV = "window,split,subject,label,a,b\n" +
	"w1,train,1,up,1,2\nw1,train,1,up,1.5,2\nw1,train,1,up,2,2\n" +
	"w2,train,1,down,0,1\nw2,train,1,down,-1,1\nw2,train,1,down,-2,1\n" +
	"w3,test,3,up,1,1\nw3,test,3,up,2,1\nw3,test,3,up,3,1\n"

// TestTrainOneSubject trains on an upload whose training split holds one
// subject, with validation fold 1: train.start answers with
// data.SplitTrainVal's error (naming the page's choice for fold 0), no run
// trains, the untrained cards say failed with the reason, and the worker
// goes on answering (fold 0 then trains). A second refused start leaves
// the trained runs as they were, and a refused Continue leaves their epoch
// target alone, saying the epochs done and the target asked.
func TestTrainOneSubject(t *testing.T) {
	a, h := newApp(t)
	call(t, a, "data.load", map[string]any{"name": "one.csv"}, nil, File{"one.csv", []byte(oneSubjectCSV)})
	c := tiny()
	c.Folds, c.Fold = 7, 1
	_, err := try(a, "train.start", map[string]any{"config": c})
	// data.SplitTrainVal's error in the page's words: the form's choice,
	// not the command's fold 0.
	want := "fold 1 holds every training subject (1 subject), leaving no window to train on: train without validation (Validation fold “none: train on everyone”), or with more subjects"
	if err == nil || err.Error() != want {
		t.Fatalf("train.start on one subject: error %v, want %q", err, want)
	}
	for _, k := range kinds {
		if st, msg := a.status(k), a.runs[k].message; st != statusFailed || msg != want {
			t.Errorf("%s after the refused start: %s %q, want failed with the reason", k, st, msg)
		}
	}
	if n := len(h.named("train.batch")); n != 0 {
		t.Errorf("%d batches trained after a refused start", n)
	}
	c.Fold, c.Epochs = 0, 2
	call(t, a, "train.start", map[string]any{"config": c}, nil)
	for _, r := range waitRuns(t, a) {
		if r.Status != statusDone || r.Epoch != 2 {
			t.Errorf("%s with fold 0: %s after %d epochs %q, want done after 2", r.Kind, r.Status, r.Epoch, r.Message)
		}
	}
	// A refused new run leaves the trained ones in place.
	msgs := map[model.Kind]string{}
	for _, k := range kinds {
		msgs[k] = a.runs[k].message
	}
	c.Fold = 1
	if _, err := try(a, "train.start", map[string]any{"config": c}); err == nil || err.Error() != want {
		t.Fatalf("train.start on one subject after training: error %v, want %q", err, want)
	}
	for _, k := range kinds {
		r := a.runs[k]
		if st := a.status(k); st != statusDone || len(r.history) != 2 || r.message != msgs[k] || r.cfg.Fold != 0 {
			t.Errorf("%s after a refused start: %s, %d epochs, %q, fold %d; want done as before (2 epochs, %q, fold 0)", k, st, len(r.history), r.message, r.cfg.Fold, msgs[k])
		}
	}
	// A refused Continue names the epochs done and asked, and changes
	// nothing.
	c.Epochs = 1
	_, err = try(a, "train.start", map[string]any{"mode": "continue", "config": c, "kinds": []string{"sgru"}})
	const wantCont = "the SGRU has done 2 epochs and Epochs asks for 1: raise Epochs above 2 to continue"
	if err == nil || err.Error() != wantCont {
		t.Errorf("continue below the epochs done: error %v, want %q", err, wantCont)
	}
	if r := a.runs[model.SGRU]; r.cfg.Epochs != 2 || r.status != statusDone {
		t.Errorf("SGRU after a refused continue: %s, %d epochs asked; want done, 2", r.status, r.cfg.Epochs)
	}
}

// panicEngine is a CPU engine whose LossGrad panics.
type panicEngine struct{ model.CPU[float32] }

func (*panicEngine) LossGrad(*model.Net[float32], model.Seqs[float32], []int, model.Loss, []float32) (float64, []float64) {
	panic("deliberate test panic")
}

// panicHost is a recorder whose engines panic.
type panicHost struct{ *recorder }

func (h panicHost) Engine(ctx context.Context) (model.Engine[float32], EngineInfo) {
	return &panicEngine{model.CPU[float32]{Threads: 1}}, EngineInfo{Backend: "cpu", Reason: "test"}
}

func init() {
	Register("test.panic", func(ctx context.Context, a *App, req Request) (Reply, error) {
		var m map[string]int
		m["x"]++ // a nil map: panics
		return Reply{}, nil
	})
}

// TestPanics checks that a panic in an operation, or in a training
// goroutine, becomes an error naming where it happened, and that the app
// answers the next call.
func TestPanics(t *testing.T) {
	h := panicHost{&recorder{t: t}}
	a := New(h)
	_, err := try(a, "test.panic", nil)
	if err == nil || !strings.HasPrefix(err.Error(), "internal error in test.panic: assignment to entry in nil map") {
		t.Fatalf("panicking operation: error %v, want internal error in test.panic: assignment to entry in nil map", err)
	}
	var hello helloReply
	call(t, a, "hello", nil, &hello)
	if len(hello.Runs) != 2 {
		t.Fatalf("hello after a panic: %+v", hello)
	}
	call(t, a, "train.start", map[string]any{"config": tiny(), "kinds": []string{"cgru"}}, nil)
	runs := waitRuns(t, a)
	const want = "internal error in training the CGRU: deliberate test panic"
	if r := runs[1]; r.Kind != model.CGRU || r.Status != statusFailed || r.Message != want {
		t.Errorf("run after a panic in training: %s %s %q, want cgru failed %q", r.Kind, r.Status, r.Message, want)
	}
	call(t, a, "hello", nil, &hello)
}

// hookHost is a recorder whose Emit panics on the event named panicOn, and
// whose Engine panics if panicEngine is set.
type hookHost struct {
	*recorder
	panicOn     string
	panicEngine bool
}

func (h hookHost) Emit(name string, v any) {
	if name == h.panicOn {
		panic("deliberate test panic in " + name)
	}
	h.recorder.Emit(name, v)
}

func (h hookHost) Engine(ctx context.Context) (model.Engine[float32], EngineInfo) {
	if h.panicEngine {
		panic("deliberate test panic in Engine")
	}
	return h.recorder.Engine(ctx)
}

// TestTrainPanicsOutsideTheEngine checks that a panic in choosing the
// engine, or in the report hook (between and after the sections that hold
// the app's lock), ends the run as failed with the reason, and that the
// app still answers, calls that take its lock included.
func TestTrainPanicsOutsideTheEngine(t *testing.T) {
	for _, tc := range []struct {
		name string
		host hookHost
		want string
	}{
		{"Engine", hookHost{panicEngine: true}, "internal error in training the SGRU: deliberate test panic in Engine"},
		{"train.batch", hookHost{panicOn: "train.batch"}, "internal error in training the SGRU: deliberate test panic in train.batch"},
		{"train.epoch", hookHost{panicOn: "train.epoch"}, "internal error in training the SGRU: deliberate test panic in train.epoch"},
	} {
		tc.host.recorder = &recorder{t: t}
		a := New(tc.host)
		call(t, a, "train.start", map[string]any{"config": tiny(), "kinds": []string{"sgru"}}, nil)
		runs := waitRuns(t, a)
		if r := runs[0]; r.Status != statusFailed || r.Message != tc.want {
			t.Errorf("panic in %s: SGRU %s %q, want failed %q", tc.name, r.Status, r.Message, tc.want)
		}
		// The lock is free: a second run starts (and fails the same way).
		call(t, a, "train.start", map[string]any{"config": tiny(), "kinds": []string{"sgru"}}, nil)
		waitRuns(t, a)
	}
}
