package data

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// sharedHAR is the real UCI HAR copy of the project (DESIGN.md §6): the
// folder CGRU_HAR names, or the shared copy next to the checkout, relative to
// this package. Tests that need it skip when it is absent (./build.sh test
// says so), and fail instead when CGRU_HAR is set.
var sharedHAR = func() string {
	if d := os.Getenv("CGRU_HAR"); d != "" {
		return d
	}
	return "../../shared/data/uci-har/UCI HAR Dataset"
}()

// needHAR skips t unless the shared UCI HAR copy is present. Under js/wasm
// (slow, and without a real file system in browsers) it always skips.
func needHAR(t testing.TB) {
	t.Helper()
	if runtime.GOOS == "js" {
		t.Skip("skipping the full UCI HAR data under js/wasm")
	}
	if _, err := os.Stat(filepath.Join(sharedHAR, "train", "y_train.txt")); err != nil {
		if os.Getenv("CGRU_HAR") != "" {
			t.Fatalf("CGRU_HAR: %v", err)
		}
		t.Skipf("no shared UCI HAR copy at %s (set CGRU_HAR to its \"UCI HAR Dataset\" folder)", sharedHAR)
	}
}

var harLabelTable = "1 WALKING\n2 WALKING_UPSTAIRS\n3 WALKING_DOWNSTAIRS\n4 SITTING\n5 STANDING\n6 LAYING\n"

// miniValue is value (window i, time t, channel c) of the synthetic layout.
// It is the value of its text in the files.
func miniValue(split string, i, t, c int) float32 {
	v, _ := strconv.ParseFloat(strings.TrimSpace(miniText(split, i, t, c)), 32)
	return float32(v)
}

// miniText is the text of a value, written like the original files.
func miniText(split string, i, t, c int) string {
	v := float64(i*1000+t*10+c) / 1024
	if split == "test" {
		v = -v
	}
	return fmt.Sprintf("%16.7e", v)
}

// miniHAR returns a small UCI HAR layout under root ("" for the top):
// 3 train and 2 test windows of T = 4, written like the original files.
func miniHAR(root string) fstest.MapFS {
	fsys := fstest.MapFS{}
	p := func(name string) string {
		if root == "" {
			return name
		}
		return root + "/" + name
	}
	fsys[p("activity_labels.txt")] = &fstest.MapFile{Data: []byte(harLabelTable)}
	for _, sp := range []struct {
		name     string
		labels   []int
		subjects []int
	}{{"train", []int{1, 6, 3}, []int{1, 1, 3}}, {"test", []int{2, 5}, []int{2, 4}}} {
		var y, s strings.Builder
		for i := range sp.labels {
			fmt.Fprintf(&y, "%d\n", sp.labels[i])
			fmt.Fprintf(&s, "%d\n", sp.subjects[i])
		}
		fsys[p(sp.name+"/y_"+sp.name+".txt")] = &fstest.MapFile{Data: []byte(y.String())}
		fsys[p(sp.name+"/subject_"+sp.name+".txt")] = &fstest.MapFile{Data: []byte(s.String())}
		for c, ch := range harChannels {
			var b strings.Builder
			for i := range sp.labels {
				for t := range 4 {
					b.WriteString(miniText(sp.name, i, t, c))
				}
				b.WriteString("\n")
			}
			fsys[p(sp.name+"/Inertial Signals/"+ch+"_"+sp.name+".txt")] = &fstest.MapFile{Data: []byte(b.String())}
		}
	}
	return fsys
}

// checkMini checks that s is the content of miniHAR.
func checkMini(t *testing.T, s *Split) {
	t.Helper()
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		d        *Dataset
		labels   []int
		subjects []int
	}{{"train", s.Train, []int{0, 5, 2}, []int{1, 1, 3}}, {"test", s.Test, []int{1, 4}, []int{2, 4}}} {
		d := c.d
		if d.Len() != len(c.labels) || d.T != 4 || len(d.Channels) != 9 {
			t.Fatalf("%s: got %d windows of T=%d, %d channels; want %d of T=4, 9", c.name, d.Len(), d.T, len(d.Channels), len(c.labels))
		}
		if fmt.Sprint(d.Labels) != fmt.Sprint(c.labels) || fmt.Sprint(d.Subjects) != fmt.Sprint(c.subjects) {
			t.Errorf("%s: labels %v subjects %v, want %v %v", c.name, d.Labels, d.Subjects, c.labels, c.subjects)
		}
		if d.IDs[1] != c.name+"/2" {
			t.Errorf("%s: IDs[1] = %q, want %q", c.name, d.IDs[1], c.name+"/2")
		}
		for i := range d.Len() {
			w := d.Window(i)
			for tt := range 4 {
				for ch := range 9 {
					if got, want := w[tt*9+ch], miniValue(c.name, i, tt, ch); got != want {
						t.Fatalf("%s: window %d t %d channel %d: got %v, want %v", c.name, i, tt, ch, got, want)
					}
				}
			}
		}
	}
}

// zipOf returns a zip archive holding the files of fsys (sorted names) plus
// extra entries.
func zipOf(t testing.TB, fsys fstest.MapFS, method uint16, extra map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	for _, name := range sortedKeys(fsys) {
		add(name, fsys[name].Data)
	}
	for _, name := range sortedKeys(extra) {
		add(name, extra[name])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sortedKeys[V any](m map[string]V) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	for i := range k {
		for j := i + 1; j < len(k); j++ {
			if k[j] < k[i] {
				k[i], k[j] = k[j], k[i]
			}
		}
	}
	return k
}

// setLimits lowers the size limits for one test.
func setLimits(t *testing.T, file, total int64) {
	t.Helper()
	of, ot := maxFileBytes, maxTotalBytes
	maxFileBytes, maxTotalBytes = file, total
	t.Cleanup(func() { maxFileBytes, maxTotalBytes = of, ot })
}
