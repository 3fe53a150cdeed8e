package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cgru/cgru/model"
)

// TestTrainAndResume trains both models for two epochs on the embedded
// data, then resumes the CGRU run for a third from its checkpoint.
func TestTrainAndResume(t *testing.T) {
	dir := t.TempDir()
	for _, kind := range []string{"sgru", "cgru"} {
		out := filepath.Join(dir, kind+".json")
		args := []string{"train", "--kind", kind, "--epochs", "2", "--per-class", "2", "--val-refs-per-class", "3",
			"--val-queries-per-class", "3", "--quiet", "--out", out}
		code, stdout, errs := cli(args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", kind, code, errs)
		}
		for _, want := range []string{"fold 1/7", "epoch   1/2", "val acc", "best validation 1-NN accuracy"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%s: output lacks %q:\n%s", kind, want, stdout)
			}
		}
		f, err := model.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var rec model.TrainRecord
		if err := json.Unmarshal(f.Training, &rec); err != nil || len(rec.History) != 2 || rec.Fold != 1 || len(rec.ValSubjects) != 3 {
			t.Fatalf("%s: training record %+v (%v)", kind, rec, err)
		}
		if st, _ := os.Stat(out); st.Mode().Perm() != 0o644 {
			t.Errorf("%s: model file mode %v, want 0644", kind, st.Mode().Perm())
		}
	}
	// Without --out, the resumed run writes where the checkpoint's run did
	// (here the SGRU's file, not the default cgru.json of --kind).
	sout := filepath.Join(dir, "sgru.json")
	code, stdout, errs := cli("train", "--resume", sout+".ckpt", "--epochs", "3", "--quiet")
	if code != 0 {
		t.Fatalf("resume without --out: exit %d: %s", code, errs)
	}
	if want := "writing the model to " + sout + ", as the run of " + sout + ".ckpt did"; !strings.Contains(stdout, want) {
		t.Errorf("resume without --out: output lacks %q:\n%s", want, stdout)
	}
	for _, p := range []string{"sgru.json", "cgru.json"} {
		if _, err := os.Stat(p); err == nil {
			os.Remove(p)
			t.Errorf("resume without --out wrote %s in the working directory", p)
		}
	}
	if f, err := model.ReadFile(sout); err != nil {
		t.Error(err)
	} else {
		var rec model.TrainRecord
		json.Unmarshal(f.Training, &rec)
		if len(rec.History) != 3 || rec.Kind != model.SGRU {
			t.Errorf("resumed without --out: %s has %d epochs of a %s, want 3 of the sgru", sout, len(rec.History), rec.Kind)
		}
	}
	out := filepath.Join(dir, "cgru.json")
	code, stdout, errs = cli("train", "--resume", out+".ckpt", "--epochs", "3", "--quiet", "--out", out)
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, errs)
	}
	if !strings.Contains(stdout, "resuming after epoch 2") || !strings.Contains(stdout, "epoch   3/3") {
		t.Errorf("resume output:\n%s", stdout)
	}
	f, _ := model.ReadFile(out)
	var rec model.TrainRecord
	json.Unmarshal(f.Training, &rec)
	if len(rec.History) != 3 || rec.PerClass != 2 {
		t.Errorf("after resuming: %d epochs recorded, per-class %d; want 3 and the checkpoint's 2", len(rec.History), rec.PerClass)
	}
}

func TestTrainUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--fold", "9"}, "0 ≤ --fold ≤ --nfolds"},
		{[]string{"train", "--folds", "some"}, `--folds "some"`},
		{[]string{"train", "--coupling-init", "strong"}, "unknown coupling init"},
		{[]string{"train", "--backend", "gpu"}, `--backend "gpu": want cpu, webgpu or auto`},
	} {
		code, _, errs := cli(c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
	code, _, errs := cli("train", "--data", "/nonexistent/har.zip", "--quiet")
	if code != 1 || !strings.Contains(errs, "/nonexistent/har.zip") {
		t.Errorf("missing data: exit %d, stderr %q", code, errs)
	}
}
