package data

import (
	"archive/zip"
	"bytes"
	"testing"
)

// checkResult is the property of every reader: an error and no result, or a
// result that passes Split.Check and no error.
func checkResult(t *testing.T, s *Split, err error) {
	t.Helper()
	if err != nil {
		if s != nil {
			t.Fatalf("partial result with error %v", err)
		}
		return
	}
	if s == nil {
		t.Fatal("nil result without error")
	}
	if err := s.Check(); err != nil {
		t.Fatalf("inconsistent result: %v", err)
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte(goodCSV))
	f.Add([]byte("window,split,subject,label,a\nw,test,1,x,1e39\n"))
	f.Add([]byte("window,split,subject,label,a\r\n\"w\",train,1,\"x\",1\r\nw,train,1,x,2"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, b []byte) {
		setLimits(t, 1<<20, 1<<20)
		s, err := ReadCSV(bytes.NewReader(b), "f.csv")
		checkResult(t, s, err)
		if err == nil && s.Train.Len()+s.Test.Len() == 0 {
			t.Fatal("success without windows")
		}
	})
}

// FuzzReadHARFile fuzzes the parser of one numeric HAR file (one row of
// whitespace-separated values per line).
func FuzzReadHARFile(f *testing.F) {
	f.Add([]byte(miniHAR("")[bax].Data), 0)
	f.Add([]byte("1 2 3\r\n4 5 6"), 3)
	f.Add([]byte("  1.0e-003\t-2E+2 \n\n nan 4\n"), 2)
	f.Add([]byte("1 2\n3"), 0)
	f.Fuzz(func(t *testing.T, b []byte, want int) {
		if want < 0 || want > 1000 {
			return
		}
		var rows [][]float32
		n, err := readRows(bytes.NewReader(b), "f.txt", want, func(i, line int, vals []float32) error {
			if i != len(rows) || line < 1 {
				t.Fatalf("row %d at line %d after %d rows", i, line, len(rows))
			}
			rows = append(rows, append([]float32(nil), vals...))
			return nil
		})
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			return
		}
		if n != len(rows) || n == 0 {
			t.Fatalf("%d rows reported, %d seen", n, len(rows))
		}
		for _, r := range rows {
			if len(r) != len(rows[0]) || (want > 0 && len(r) != want) {
				t.Fatalf("row of %d values, first %d, want %d", len(r), len(rows[0]), want)
			}
		}
	})
}

// FuzzLoadBytes fuzzes the format dispatch: zips (with the UCI HAR layout
// inside), the binary format and CSV.
func FuzzLoadBytes(f *testing.F) {
	f.Add(zipOf(f, miniHAR("UCI HAR Dataset"), zip.Store, nil))
	f.Add(zipOf(f, miniHAR(""), zip.Deflate, macosx))
	f.Add(zipOf(f, nil, zip.Store, map[string][]byte{"a.zip": zipOf(f, miniHAR(""), zip.Store, nil)}))
	small := Embedded()
	small.Train, small.Test = small.Train.Subset([]int{1}), small.Test.Subset([]int{2})
	b, _ := EncodeSplit(small, "")
	f.Add(b)
	f.Add([]byte(goodCSV))
	f.Fuzz(func(t *testing.T, b []byte) {
		setLimits(t, 64<<10, 256<<10)
		s, err := LoadBytes("f", b)
		checkResult(t, s, err)
	})
}
