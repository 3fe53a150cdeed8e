package dynamics

import (
	"encoding/json"
	"math"
)

// Num is a float64 that JSON writes as null when it is not finite and
// reads null back as NaN. The lab's results have such values with a
// meaning (λ⊥ = −∞ at c = 1/2, a threshold that does not exist, the
// standard error of one block, a class without pairs), which plain JSON
// cannot hold; `cgru sync … --json` and the page's sync operations write
// them so.
type Num float64

// MarshalJSON writes v as a JSON number, or null if it is NaN or ±Inf.
func (v Num) MarshalJSON() ([]byte, error) {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(f)
}

// UnmarshalJSON reads a JSON number, or null as NaN.
func (v *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*v = Num(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*v = Num(f)
	return nil
}

// Nums converts v to Nums.
func Nums(v []float64) []Num {
	out := make([]Num, len(v))
	for i, f := range v {
		out[i] = Num(f)
	}
	return out
}
