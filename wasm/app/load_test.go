package app

import (
	"os"
	"strings"
	"testing"

	"github.com/cgru/cgru/model"
)

// TestModelLoadCLIFile loads a model file cgru train wrote (the CGRU of
// docs/results): the run says what trained it and how well, survives a
// checkpoint and a restore, and a run card that asks for the SGRU refuses
// it instead of replacing the CGRU.
func TestModelLoadCLIFile(t *testing.T) {
	text, err := os.ReadFile("../../docs/results/cgru.json")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := newApp(t)
	f := File{"cgru.json", text}

	var info RunInfo
	call(t, a, "model.load", map[string]string{"kind": "cgru"}, &info, f)
	if info.Kind != model.CGRU || info.Status != statusLoaded || info.TrainedBy != "cgru train (CLI)" {
		t.Errorf("loaded: kind %s, status %s, trained by %q; want a loaded CGRU trained by cgru train (CLI)", info.Kind, info.Status, info.TrainedBy)
	}
	// Its training record: best validation 95.6 % at epoch 31, on 5741
	// training windows, validated on people 3, 23 and 30.
	if info.BestEpoch != 31 || info.BestVal < 0.956 || info.BestVal > 0.957 || info.TrainWindows != 5741 ||
		len(info.ValSubjects) != 3 || info.Epoch != len(info.History) || info.Epoch < info.BestEpoch || info.Config.Epochs < info.Epoch {
		t.Errorf("loaded: best %.4f at epoch %d of %d (at most %d), %d windows, validation people %v",
			info.BestVal, info.BestEpoch, info.Epoch, info.Config.Epochs, info.TrainWindows, info.ValSubjects)
	}

	// Kept across a reload.
	var ck struct{ Text string }
	call(t, a, "run.checkpoint", map[string]string{"kind": "cgru"}, &ck)
	var back RunInfo
	call(t, a, "run.restore", map[string]string{"text": ck.Text}, &back)
	if back.TrainedBy != info.TrainedBy || back.BestEpoch != info.BestEpoch {
		t.Errorf("restored: trained by %q, best epoch %d; loaded %q, %d", back.TrainedBy, back.BestEpoch, info.TrainedBy, info.BestEpoch)
	}

	// Through the SGRU's card: refused, and the SGRU stays as it was.
	var before struct{ Runs []RunInfo }
	call(t, a, "runs", nil, &before)
	_, err = try(a, "model.load", map[string]string{"kind": "sgru"}, f)
	if err == nil || !strings.Contains(err.Error(), "cgru.json is a CGRU model, not an SGRU") || !strings.Contains(err.Error(), "the SGRU was not replaced") {
		t.Errorf("a CGRU file through the SGRU card: %v", err)
	}
	// And the other way: an SGRU file through the CGRU's card.
	sg, err := os.ReadFile("../../docs/results/sgru.json")
	if err != nil {
		t.Fatal(err)
	}
	_, err = try(a, "model.load", map[string]string{"kind": "cgru"}, File{"sgru.json", sg})
	if err == nil || !strings.Contains(err.Error(), "sgru.json is an SGRU model, not a CGRU") || !strings.Contains(err.Error(), "the CGRU was not replaced") {
		t.Errorf("an SGRU file through the CGRU card: %v", err)
	}

	// The synchronization commands read the file loaded, which exists:
	// nothing to save first.
	var ly lyapReply
	call(t, a, "sync.lyapunov", map[string]any{"network": map[string]any{"source": "cgru"}, "steps": 2000}, &ly)
	if !strings.Contains(ly.Command, "--model cgru.json ") || ly.SaveAs != "" {
		t.Errorf("the loaded CGRU's λ_max: command %q, save as %q; want --model cgru.json and nothing to save", ly.Command, ly.SaveAs)
	}
	var back2 RunInfo
	call(t, a, "run.restore", map[string]string{"text": ck.Text}, &back2)
	call(t, a, "sync.lyapunov", map[string]any{"network": map[string]any{"source": "cgru"}, "steps": 2000}, &ly)
	if !strings.Contains(ly.Command, "--model cgru.json ") || ly.SaveAs != "" {
		t.Errorf("after a restore: command %q, save as %q; want --model cgru.json", ly.Command, ly.SaveAs)
	}

	var after struct{ Runs []RunInfo }
	call(t, a, "runs", nil, &after)
	for i, r := range after.Runs {
		if r.Kind == model.SGRU && (r.Status != before.Runs[i].Status || r.Origin != before.Runs[i].Origin) {
			t.Errorf("the SGRU changed: %s (%s), before %s (%s)", r.Status, r.Origin, before.Runs[i].Status, before.Runs[i].Origin)
		}
	}

}

// TestTrainedByThenThisPage checks that a loaded model file trained on in
// the page names both trainers, once however often it continues, with the
// page's engine of the last time.
func TestTrainedByThenThisPage(t *testing.T) {
	a, _ := newApp(t)
	r := a.runs[model.SGRU]
	tv, err := r.windows(a.data)
	if err != nil {
		t.Fatal(err)
	}
	r.trainedBy = "cgru train (CLI)"
	a.setUp(r, tv, EngineInfo{Backend: "cpu"})
	if want := "cgru train (CLI), then this page · cpu"; r.trainedBy != want {
		t.Errorf("trained by %q after page training, want %q", r.trainedBy, want)
	}
	a.setUp(r, tv, EngineInfo{Backend: "webgpu", Adapter: "test GPU"})
	if want := "cgru train (CLI), then this page · webgpu (test GPU)"; r.trainedBy != want {
		t.Errorf("trained by %q after more page training, want %q", r.trainedBy, want)
	}
	// The page's own runs name no trainer.
	c := a.runs[model.CGRU]
	a.setUp(c, tv, EngineInfo{Backend: "cpu"})
	if c.trainedBy != "" {
		t.Errorf("the page's own run: trained by %q, want none", c.trainedBy)
	}
}
