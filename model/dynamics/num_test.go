package dynamics

import (
	"encoding/json"
	"math"
	"testing"
)

func TestNumJSON(t *testing.T) {
	b, err := json.Marshal(Nums([]float64{1.5, math.Inf(-1), math.NaN(), math.Inf(1), -0.25, 1e-300}))
	if want := `[1.5,null,null,null,-0.25,1e-300]`; err != nil || string(b) != want {
		t.Errorf("Marshal = %s (%v), want %s", b, err, want)
	}
	var back []Num
	if err := json.Unmarshal(b, &back); err != nil || len(back) != 6 || back[0] != 1.5 || !math.IsNaN(float64(back[1])) ||
		!math.IsNaN(float64(back[3])) || back[4] != -0.25 || back[5] != 1e-300 {
		t.Errorf("Unmarshal(%s) = %v (%v)", b, back, err)
	}
	var v Num
	if err := json.Unmarshal([]byte(`"x"`), &v); err == nil {
		t.Errorf("a string read as a Num: %v", v)
	}
}
