package model

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestTrainRecordLoss(t *testing.T) {
	for _, l := range []Loss{Contrastive{Margin: 0.5}, Structural{Alpha: 2, Tau: 0.5, Beta: 0, T: 1.5}, DefaultStructural} {
		r := TrainRecord{Margin: 9, Alpha: 9, Tau: 9, Beta: 9, T: 9} // stale values are cleared
		r.SetLoss(l)
		if got := r.LossFunc(); got != l {
			t.Errorf("SetLoss(%v), then LossFunc() = %v", l, got)
		}
		b, _ := json.Marshal(r)
		var back TrainRecord
		if err := json.Unmarshal(b, &back); err != nil || back.LossFunc() != l {
			t.Errorf("%v through JSON %s: %v (%v)", l, b, back.LossFunc(), err)
		}
	}
	r := TrainRecord{}
	r.SetLoss(Contrastive{Margin: 1})
	if b, _ := json.Marshal(r); !strings.Contains(string(b), `"loss":"contrastive","margin":1,"batch_per_class"`) {
		t.Errorf("contrastive record %s: want the margin alone", b)
	}
}

// TestTrainRecordJSON: the record's fields, in the order cgru train writes
// them (the model files of docs/results), with the page's own fields last
// and left out when empty; records written before the two writers shared
// this type (cgru train's, and the page's with an "engine" object) read
// back.
func TestTrainRecordJSON(t *testing.T) {
	r := TrainRecord{Data: "embedded", Kind: CGRU, Hidden: 20, CouplingInit: CouplingPaper, PerClass: 6, Seed: 1, Folds: 7, Fold: 1,
		ValSubjects: []int{3, 23, 30}, ValRefs: 20, Config: DefaultTrainConfig, Backend: "cpu", TrainWindows: 369, BestEpoch: 2,
		BestValAcc: 0.5, History: []EpochRecord{{Epoch: 1}}}
	r.SetLoss(DefaultStructural)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"data":"embedded","kind":"cgru","hidden_size":20,"coupling_init":"paper","loss":"structural","alpha":1,"tau":1,"beta":1,"t":1,` +
		`"batch_per_class":6,"seed":1,"folds":7,"fold":1,"val_subjects":[3,23,30],"val_refs_per_class":20,"val_queries":0,"normalize":false,` +
		`"config":{"epochs":100,"lr":0.001,"weight_decay":0.0001,"coupling_penalty":0.01,"clip_norm":6,"plateau_patience":10,"early_stop":20,"max_rollbacks":3},` +
		`"threads":0,"backend":"cpu","train_windows":369,"best_epoch":2,"best_val_acc":0.5,` +
		`"history":[{"epoch":1,"loss":0,"penalty":0,"coupling_norm":0,"grad_norm":0,"val_acc":0,"lr":0,"improved":false,"rollbacks":0,"seconds":0}]}`
	if string(b) != want {
		t.Errorf("record\n%s\nwant\n%s", b, want)
	}
	r.TrainPerClass, r.App = 30, "cgru web page v1"
	b, _ = json.Marshal(r)
	if !strings.HasSuffix(string(b), `"seconds":0}],"train_per_class":30,"app":"cgru web page v1"}`) {
		t.Errorf("the page's fields: %s", b)
	}

	// A record the page wrote before (its engine in an object of its own).
	old := `{"data":"embedded","kind":"sgru","hidden_size":8,"loss":"contrastive","margin":0.7,"batch_per_class":3,"seed":5,` +
		`"folds":7,"fold":2,"val_subjects":[5,6,7],"val_refs_per_class":10,"val_queries":0,"normalize":true,` +
		`"config":{"epochs":3,"lr":0.01,"weight_decay":0.0001,"coupling_penalty":0.01,"clip_norm":6,"plateau_patience":10,"early_stop":20,"max_rollbacks":3},` +
		`"threads":1,"train_windows":100,"best_epoch":1,"best_val_acc":0.25,"history":[{"epoch":1},{"epoch":2}],"train_per_class":20,` +
		`"engine":{"backend":"webgpu","adapter":"SwiftShader","software":true},"app":"cgru web page (devel)"}`
	var got TrainRecord
	if err := json.Unmarshal([]byte(old), &got); err != nil {
		t.Fatal(err)
	}
	if got.Kind != SGRU || got.LossFunc() != (Contrastive{Margin: 0.7}) || got.Fold != 2 || len(got.ValSubjects) != 3 || !got.Normalize ||
		got.Config.LR != 0.01 || got.BestValAcc != 0.25 || len(got.History) != 2 || got.TrainPerClass != 20 || got.App != "cgru web page (devel)" {
		t.Errorf("the page's former record read back as %+v", got)
	}
}

func TestTrainRecordSetLossPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "SetLoss") {
			t.Errorf("panic %v, want one naming SetLoss", r)
		}
	}()
	var r TrainRecord
	r.SetLoss(nil)
}
