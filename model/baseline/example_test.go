package baseline_test

import (
	"context"
	"fmt"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/model/baseline"
)

// labeled converts some windows of a dataset.
func labeled(d *data.Dataset, idx []int) baseline.Labeled {
	s := d.Subset(idx)
	return baseline.Labeled{Seqs: baseline.FromFloat32(s.X, s.Len(), s.T, len(s.Channels)), Labels: s.Labels}
}

// Run as a single-threaded WebAssembly worker would call it: one goroutine,
// a context to cancel from the page, progress reported through a callback.
func ExampleRun() {
	split := data.Embedded()
	refs := labeled(split.Train, data.BalancedSubset(split.Train, 3, 1)) // 3 per class
	queries := labeled(split.Test, data.BalancedSubset(split.Test, 2, 1))
	train := labeled(split.Train, data.BalancedSubset(split.Train, 12, 1))

	cfg := baseline.DefaultConfig(baseline.MethodRVSMLDTW)
	cfg.Threads = 1 // everything on this goroutine
	res, err := baseline.Run(context.Background(), cfg, train, refs, queries, len(split.Train.ClassNames),
		func(p baseline.Progress) {
			// p.Stage "train" (p.Iter, p.Loss), then "distances" (p.Done of p.Total pairs)
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d queries × %d references, RVSML trained on %d windows in %d iterations\n",
		res.Eval.NQueries, res.Eval.NRefs, len(train.Seqs), len(res.RVSML.History))
	fmt.Printf("1-NN accuracy %.4f, macro F1 %.4f, MAP %.4f\n", res.Eval.Accuracy, res.Eval.MacroF1, res.Eval.MAP)
	// Output:
	// 12 queries × 18 references, RVSML trained on 72 windows in 7 iterations
	// 1-NN accuracy 0.6667, macro F1 0.6722, MAP 0.7051
}
