package data

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"testing"
	"time"
)

func TestEmbedded(t *testing.T) {
	t0 := time.Now()
	s := Embedded()
	if d := time.Since(t0); d > 100*time.Millisecond && runtime.GOOS != "js" {
		t.Logf("first Embedded took %v (target < 100 ms; the benchmark measures it alone)", d)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(s.Train.Len(), s.Test.Len(), s.Train.T, s.Train.Channels, s.Train.ClassCounts(), s.Test.ClassCounts())
	want := fmt.Sprint(6*EmbeddedTrainPerClass, 6*EmbeddedTestPerClass, 128, harChannels, slices.Repeat([]int{EmbeddedTrainPerClass}, 6), slices.Repeat([]int{EmbeddedTestPerClass}, 6))
	if got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	trainSubj, _ := s.Train.SubjectCounts()
	testSubj, _ := s.Test.SubjectCounts()
	if len(trainSubj) != 21 || len(testSubj) != 9 {
		t.Errorf("subjects: %v train, %v test; want the 21 train and 9 test subjects of UCI HAR", trainSubj, testSubj)
	}
	for _, sj := range testSubj {
		if slices.Contains(trainSubj, sj) {
			t.Errorf("subject %d in both splits", sj)
		}
	}
	if len(embeddedBin) > 2500000 {
		t.Errorf("embedded file is %d bytes, budget 2.5 MB", len(embeddedBin))
	}
	// Embedded returns copies.
	s.Train.X[0] = 1234
	if Embedded().Train.X[0] == 1234 {
		t.Error("Embedded returned shared data")
	}
	if e, err := Load("embedded"); err != nil || e.Train.Len() != s.Train.Len() {
		t.Errorf(`Load("embedded"): %v`, err)
	}
}

func TestEncodeDecode(t *testing.T) {
	s := Embedded()
	s.Train.X[7] = float32(math.Copysign(0, -1))
	s.Train.X[8] = math.SmallestNonzeroFloat32
	s.Train.X[9] = -math.MaxFloat32
	b, err := EncodeSplit(s, "note")
	if err != nil {
		t.Fatal(err)
	}
	r, err := LoadBytes("x.bin", b)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ a, b *Dataset }{{s.Train, r.Train}, {s.Test, r.Test}} {
		for i := range c.a.X {
			if math.Float32bits(c.a.X[i]) != math.Float32bits(c.b.X[i]) {
				t.Fatalf("value %d: %v, decoded %v", i, c.a.X[i], c.b.X[i])
			}
		}
		if fmt.Sprint(c.a.Name, c.a.Labels, c.a.Subjects, c.a.IDs, c.a.ClassNames, c.a.Channels) != fmt.Sprint(c.b.Name, c.b.Labels, c.b.Subjects, c.b.IDs, c.b.ClassNames, c.b.Channels) {
			t.Error("metadata differs")
		}
	}
	b2, _ := EncodeSplit(r, "note")
	if !bytes.Equal(b, b2) {
		t.Error("encoding is not deterministic")
	}
}

func TestDecodeErrors(t *testing.T) {
	good := embeddedBin
	for _, c := range []struct {
		name string
		in   []byte
		want string
	}{
		{"magic", []byte("CGRUDATX\x01\x00\x00\x00"), "x.bin: malformed input: not a cgru data file"},
		{"version", append(append([]byte{}, good[:8]...), 2, 0, 0, 0), "x.bin: malformed input: version 2, this reader knows 1"},
		{"truncated", good[:len(good)/2], "x.bin: malformed input: unexpected EOF"},
		{"damaged", append(append([]byte{}, good[:100]...), bytes.Repeat([]byte{0xff}, 100)...), "x.bin: malformed input: flate: corrupt input before offset 91"},
		{"trailing bytes inside", withTrailingByte(t), "x.bin: malformed input: data after the test split"},
	} {
		s, err := DecodeSplit(c.in, "x.bin")
		if s != nil || err == nil || err.Error() != c.want || !errors.Is(err, ErrFormat) {
			t.Errorf("%s: got %v\nwant %s", c.name, err, c.want)
		}
	}
}

// withTrailingByte returns the encoding of a small split with one byte more
// at the end of its zlib stream.
func withTrailingByte(t *testing.T) []byte {
	s := Embedded()
	s.Train, s.Test = s.Train.Subset([]int{0}), s.Test.Subset([]int{1})
	b, err := EncodeSplit(s, "")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(b[12:]))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(zr)
	var out bytes.Buffer
	out.Write(b[:12])
	zw := zlib.NewWriter(&out)
	zw.Write(append(body, 0))
	zw.Close()
	return out.Bytes()
}
