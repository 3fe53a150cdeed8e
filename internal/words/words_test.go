package words

import "testing"

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 folds", 1: "1 fold", 2: "2 folds", -1: "-1 folds"} {
		if got := Count(n, "fold"); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}
