package data

import (
	_ "embed"
	"sync"
)

// The embedded default: a class-balanced subset of UCI HAR in the binary
// format of EncodeSplit, made by data/internal/mkembedded (see
// embedded/README.md).
//
//go:embed embedded/uci-har-subset.bin
var embeddedBin []byte

// Sizes of the embedded subset, per class. See the package documentation
// for why.
const (
	EmbeddedTrainPerClass = 72
	EmbeddedTestPerClass  = 36
	// EmbeddedSeed is the seed of BalancedSubset for the embedded subset
	// (the train split uses it, the test split EmbeddedSeed+1).
	EmbeddedSeed = 2013
)

var embedded struct {
	once sync.Once
	s    *Split
	err  error
}

// Embedded returns a copy of the embedded default dataset (see the package
// documentation), decoded once and cached; the copy may be changed freely. It
// panics if the embedded file is damaged, which the package's tests rule out.
func Embedded() *Split {
	embedded.once.Do(func() {
		embedded.s, embedded.err = decodeSplit(embeddedBin, "embedded/uci-har-subset.bin")
	})
	if embedded.err != nil {
		panic("data: embedded dataset: " + embedded.err.Error())
	}
	return embedded.s.Clone()
}

// EmbeddedSubset picks the embedded subset from full UCI HAR: with
// BalancedSubset, EmbeddedTrainPerClass windows per class of the train split
// (train subjects) and EmbeddedTestPerClass per class of the test split (test
// subjects), spread over the subjects. data/internal/mkembedded encodes its
// result; the tests check that the embedded file is exactly that.
func EmbeddedSubset(full *Split) *Split {
	tr := full.Train.Subset(BalancedSubset(full.Train, EmbeddedTrainPerClass, EmbeddedSeed))
	te := full.Test.Subset(BalancedSubset(full.Test, EmbeddedTestPerClass, EmbeddedSeed+1))
	tr.Name = HARName + " embedded subset train"
	te.Name = HARName + " embedded subset test"
	return &Split{Train: tr, Test: te}
}

// embeddedNote is stored in the embedded file.
const embeddedNote = "Class-balanced subset of UCI HAR (Anguita, Ghio, Oneto, Parra, Reyes-Ortiz, ESANN 2013; CC BY 4.0), " +
	"made by data.EmbeddedSubset; IDs are split/line of the source files."

// EncodeEmbedded returns the bytes of the embedded file for full UCI HAR:
// EncodeSplit of EmbeddedSubset(full) with the provenance note.
func EncodeEmbedded(full *Split) ([]byte, error) {
	return EncodeSplit(EmbeddedSubset(full), embeddedNote)
}
