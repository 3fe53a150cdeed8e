package data

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// harCounts counts windows per class name and per subject straight from the
// text files of one split, independently of the reader.
func harCounts(t *testing.T, split string) (perClass map[string]int, perSubject map[int]int, n int) {
	t.Helper()
	read := func(name string) []string {
		b, err := os.ReadFile(filepath.Join(sharedHAR, name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Fields(string(b))
	}
	lt := read("activity_labels.txt")
	names := map[string]string{}
	for i := 0; i+1 < len(lt); i += 2 {
		names[lt[i]] = lt[i+1]
	}
	y := read(split + "/y_" + split + ".txt")
	s := read(split + "/subject_" + split + ".txt")
	perClass, perSubject = map[string]int{}, map[int]int{}
	for i := range y {
		perClass[names[y[i]]]++
		k, _ := strconv.Atoi(s[i])
		perSubject[k]++
	}
	return perClass, perSubject, len(y)
}

// spotCheck compares values of d with the text of the files: a few lines of
// every channel file, parsed with strconv.
func spotCheck(t *testing.T, d *Dataset, split string) {
	t.Helper()
	rows := []int{0, 1, d.Len() / 3, d.Len() / 2, d.Len() - 1}
	for c, ch := range harChannels {
		f, err := os.Open(filepath.Join(sharedHAR, split, "Inertial Signals", ch+"_"+split+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for i := 0; sc.Scan(); i++ {
			if !slices.Contains(rows, i) {
				continue
			}
			fields := strings.Fields(sc.Text())
			if len(fields) != d.T {
				t.Fatalf("%s line %d: %d fields", ch, i+1, len(fields))
			}
			w := d.Window(i)
			for k, s := range fields {
				v, _ := strconv.ParseFloat(s, 32)
				if got := w[k*len(harChannels)+c]; got != float32(v) {
					t.Fatalf("%s %s line %d value %d: got %v, text %q", split, ch, i+1, k+1, got, s)
				}
			}
		}
		f.Close()
	}
}

// checkReal checks a full UCI HAR read against the files: 6752 train and
// 2947 test windows, per class and per subject counts, spot values.
func checkReal(t *testing.T, s *Split) {
	t.Helper()
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		split string
		d     *Dataset
		n     int
	}{{"train", s.Train, 6752}, {"test", s.Test, 2947}} {
		perClass, perSubject, n := harCounts(t, c.split)
		if c.d.Len() != c.n || n != c.n || c.d.T != 128 {
			t.Errorf("%s: %d windows of T=%d (files: %d), want %d of 128", c.split, c.d.Len(), c.d.T, n, c.n)
		}
		for k, cnt := range c.d.ClassCounts() {
			if want := perClass[c.d.ClassNames[k]]; cnt != want {
				t.Errorf("%s: class %s: %d windows, files have %d", c.split, c.d.ClassNames[k], cnt, want)
			}
		}
		subj, cnts := c.d.SubjectCounts()
		if len(subj) != len(perSubject) {
			t.Errorf("%s: %d subjects, files have %d", c.split, len(subj), len(perSubject))
		}
		for i, sj := range subj {
			if cnts[i] != perSubject[sj] {
				t.Errorf("%s: subject %d: %d windows, files have %d", c.split, sj, cnts[i], perSubject[sj])
			}
		}
		spotCheck(t, c.d, c.split)
	}
	// README.txt of the shared copy: per-class counts.
	if got := fmt.Sprint(s.Train.ClassCounts(), s.Test.ClassCounts()); got != "[1135 945 857 1202 1290 1323] [496 471 420 491 532 537]" {
		t.Errorf("class counts %s", got)
	}
}

func TestRealHARFolder(t *testing.T) {
	needHAR(t)
	for _, p := range []string{sharedHAR, filepath.Dir(sharedHAR)} {
		s, err := Load(p)
		if err != nil {
			t.Fatalf("Load(%q): %v", p, err)
		}
		checkReal(t, s)
	}
}

// writeHARZip writes the shared UCI HAR copy into a zip file like the UCI
// download ("UCI HAR Dataset/…" plus __MACOSX entries), fast compression.
func writeHARZip(t testing.TB, w io.Writer, prefix string) {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	err := fs.WalkDir(os.DirFS(sharedHAR), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(filepath.Join(sharedHAR, p))
		if err != nil {
			return err
		}
		for _, name := range []string{prefix + "UCI HAR Dataset/" + p, "__MACOSX/UCI HAR Dataset/" + filepath.Dir(p) + "/._" + filepath.Base(p)} {
			fw, err := zw.Create(name)
			if err != nil {
				return err
			}
			if strings.HasPrefix(name, "__MACOSX") {
				b = []byte("\x00\x05\x16\x07 AppleDouble")
			}
			fw.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRealHARZip(t *testing.T) {
	needHAR(t)
	p := filepath.Join(t.TempDir(), "UCI HAR Dataset.zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	writeHARZip(t, f, "")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	checkReal(t, s)
}

// The embedded file is exactly what mkembedded makes from the shared copy.
func TestEmbeddedMatchesFolder(t *testing.T) {
	needHAR(t)
	full, err := Load(sharedHAR)
	if err != nil {
		t.Fatal(err)
	}
	b, err := EncodeEmbedded(full)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, embeddedBin) {
		t.Errorf("embedded/uci-har-subset.bin differs from a fresh encoding (%d vs %d bytes): run go run ./data/internal/mkembedded", len(embeddedBin), len(b))
	}
	// And its windows are the folder's windows of the same IDs.
	e := Embedded()
	for _, c := range []struct{ full, emb *Dataset }{{full.Train, e.Train}, {full.Test, e.Test}} {
		for i, id := range c.emb.IDs {
			k := slices.Index(c.full.IDs, id)
			if k < 0 {
				t.Fatalf("id %s not in the folder", id)
			}
			if !slices.Equal(c.full.Window(k), c.emb.Window(i)) || c.full.Labels[k] != c.emb.Labels[i] || c.full.Subjects[k] != c.emb.Subjects[i] {
				t.Fatalf("window %s differs from the folder", id)
			}
		}
	}
}

func BenchmarkReadHARFolder(b *testing.B) {
	needHAR(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(sharedHAR); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEmbeddedDecode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeSplit(embeddedBin, "embedded"); err != nil {
			b.Fatal(err)
		}
	}
}
