package main

import (
	"encoding/json"
	"fmt"
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
		{[]string{"train", "--fold", "9"}, "--fold 9: need 0 ≤ --fold ≤ --nfolds (7)"},
		{[]string{"train", "--fold", "-1"}, "--fold -1: need 0 or more"},
		{[]string{"train", "--hidden", "0"}, "--hidden 0: need 1 or more"},
		{[]string{"train", "--nfolds", "0", "--fold", "0"}, "--nfolds 0: need 1 or more"},
		{[]string{"train", "--epochs", "0"}, "--epochs 0: need 1 or more"},
		{[]string{"train", "--per-class", "0"}, "--per-class 0: need 1 or more"},
		{[]string{"train", "--lr", "-1"}, "--lr -1: need a finite rate > 0"},
		{[]string{"train", "--lr", "NaN"}, "--lr NaN: need a finite rate > 0"},
		{[]string{"train", "--weight-decay", "-0.1"}, "--weight-decay -0.1: need a finite value ≥ 0 (0: off)"},
		{[]string{"train", "--clip", "-6"}, "--clip -6: need a finite value ≥ 0 (0: off)"},
		{[]string{"train", "--coupling-penalty", "-1"}, "--coupling-penalty -1: need a finite value ≥ 0"},
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

// threeSubjectsCSV writes a CSV dataset of 3 training subjects, 2 windows of
// each of 2 classes per subject (4 steps, 2 channels), and 2 test windows.
func threeSubjectsCSV(t *testing.T) string {
	var b strings.Builder
	b.WriteString("window,split,subject,label,a,b\n")
	w := 0
	add := func(split string, subj int, label string) {
		w++
		for s := 0; s < 4; s++ {
			v := float64(w%7) * 0.1
			if label == "down" {
				v = -v - 0.5
			}
			fmt.Fprintf(&b, "w%d,%s,%d,%s,%g,%g\n", w, split, subj, label, v+float64(s)*0.05, 1-v)
		}
	}
	for subj := 1; subj <= 3; subj++ {
		for k := 0; k < 2; k++ {
			add("train", subj, "up")
			add("train", subj, "down")
		}
	}
	add("test", 9, "up")
	add("test", 9, "down")
	return writeTemp(t, "three.csv", b.String())
}

// TestTrainFewerSubjectsThanFolds trains --folds all with --nfolds 7 on 3
// subjects: 3 folds are made, and the per-fold lines and the model files'
// records say so (fold 1/3, folds 3), not 7. It also checks the singular
// "done: 1 epoch" and the --per-class warning (on stderr) for a class with
// fewer windows than a batch takes.
func TestTrainFewerSubjectsThanFolds(t *testing.T) {
	csv := threeSubjectsCSV(t)
	out := filepath.Join(t.TempDir(), "sgru.json")
	code, stdout, errs := cli("train", "--data", csv, "--kind", "sgru", "--hidden", "2", "--epochs", "1", "--per-class", "5",
		"--folds", "all", "--nfolds", "7", "--quiet", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errs, stdout)
	}
	for _, want := range []string{"3 folds, not 7", "sgru fold 1/3:", "sgru fold 3/3:", "done: 1 epoch\n", "over 3 folds"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "/7") || strings.Contains(stdout, "1 epochs") {
		t.Errorf("output says /7 or '1 epochs':\n%s", stdout)
	}
	if want := "warning: --per-class 5: class up has 4 training windows, down has 4 training windows, so windows repeat within each batch"; !strings.Contains(errs, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errs)
	}
	for k := 1; k <= 3; k++ {
		f, err := model.ReadFile(foldName(out, k))
		if err != nil {
			t.Fatal(err)
		}
		var rec model.TrainRecord
		json.Unmarshal(f.Training, &rec)
		if rec.Folds != 3 || rec.Fold != k || len(rec.ValSubjects) != 1 {
			t.Errorf("fold %d: record says fold %d of %d, validation subjects %v; want %d of 3, one subject", k, rec.Fold, rec.Folds, rec.ValSubjects, k)
		}
	}
}

// TestTrainOutFolderMissing: a model file with no folder to go to is
// refused before any training, naming the folder.
func TestTrainOutFolderMissing(t *testing.T) {
	out := filepath.Join(t.TempDir(), "missing", "m.json")
	code, stdout, errs := cli("train", "--data", "embedded", "--kind", "sgru", "--epochs", "1", "--out", out, "--quiet")
	if code != 1 || !strings.Contains(errs, "cannot write "+out+": the folder "+filepath.Dir(out)+" does not exist") || strings.Contains(stdout, "epoch") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, errs)
	}
	// A file where the folder should be.
	file := writeTemp(t, "afile", "x")
	out = filepath.Join(file, "m.json")
	code, stdout, errs = cli("train", "--data", "embedded", "--kind", "sgru", "--epochs", "1", "--out", out, "--quiet")
	if code != 1 || !strings.Contains(errs, "cannot write "+out+": "+file+" is not a folder") || strings.Contains(stdout, "epoch") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, errs)
	}
}

// TestResumeFromElsewhere: --resume without --out, from another working
// directory, writes the model file the run wrote, not one in the new
// directory (the checkpoint keeps the run's directory).
func TestResumeFromElsewhere(t *testing.T) {
	root := t.TempDir()
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	for _, d := range []string{a, b} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(a)
	args := []string{"train", "--data", "embedded", "--kind", "sgru", "--fold", "0", "--per-class", "2", "--hidden", "4", "--quiet", "--out", "m.json"}
	if code, _, errs := cli(append(args, "--epochs", "1")...); code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	t.Chdir(b)
	code, stdout, errs := cli("train", "--resume", "../a/m.json.ckpt", "--epochs", "2", "--quiet")
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, errs)
	}
	want := filepath.Join(a, "m.json")
	if !strings.Contains(stdout, "writing the model to "+want) {
		t.Errorf("resume says %q, want it to write %s", stdout, want)
	}
	m, err := model.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	var rec model.TrainRecord
	if err := json.Unmarshal(m.Training, &rec); err != nil || len(rec.History) != 2 {
		t.Errorf("%s: %d epochs in its record (%v), want 2", want, len(rec.History), err)
	}
	if _, err := os.Stat(filepath.Join(b, "m.json")); err == nil {
		t.Errorf("resume wrote m.json in the new working directory")
	}
}
