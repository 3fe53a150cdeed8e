package data

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

const goodCSV = `window,split,subject,label,ax,ay
w1,train,1,walk,0.5,1
w1,train,1,walk,0.25,-1e-3
w1,train,1,walk,1,2
w2,train,2,sit,3,4
w2,train,2,sit,5,6
w2,train,2,sit,7,8
t1,test,3,sit,-1,-2
t1,test,3,sit,-3,-4
t1,test,3,sit,-5,-6
`

func TestReadCSV(t *testing.T) {
	lenient := strings.ReplaceAll(goodCSV, "\n", " \r\n")
	lenient = strings.ReplaceAll(lenient, ",", " , ")
	lenient = "# my recordings\r\n" + strings.Replace(lenient, "window", "Window", 1)
	for _, c := range []struct{ name, in string }{{"plain", goodCSV}, {"CRLF, spaces, comment", lenient}} {
		s, err := ReadCSV(strings.NewReader(c.in), "rec.csv")
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := s.Check(); err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(s.Train.Len(), s.Test.Len(), s.Train.T, s.Train.Channels, s.Train.ClassNames, s.Train.Labels, s.Test.Labels,
			s.Train.Subjects, s.Test.Subjects, s.Train.IDs, s.Test.IDs, s.Train.X, s.Test.X, s.Test.ClassNames)
		want := "2 1 3 [ax ay] [walk sit] [0 1] [1] [1 2] [3] [w1 w2] [t1] [0.5 1 0.25 -0.001 1 2 3 4 5 6 7 8] [-1 -2 -3 -4 -5 -6] [walk sit]"
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, want)
		}
	}
}

func TestCSVRoundTrip(t *testing.T) {
	s := Embedded()
	s.Train = s.Train.Subset([]int{0, 100, 431})
	s.Test = s.Test.Subset([]int{5, 200})
	var buf bytes.Buffer
	if err := WriteCSV(&buf, s); err != nil {
		t.Fatal(err)
	}
	r, err := LoadBytes("x.csv", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ a, b *Dataset }{{s.Train, r.Train}, {s.Test, r.Test}} {
		if fmt.Sprint(c.a.X) != fmt.Sprint(c.b.X) || fmt.Sprint(c.a.IDs, c.a.Subjects) != fmt.Sprint(c.b.IDs, c.b.Subjects) {
			t.Errorf("round trip differs")
		}
		for i := range c.a.Labels {
			if c.a.ClassNames[c.a.Labels[i]] != c.b.ClassNames[c.b.Labels[i]] {
				t.Errorf("label of window %d differs", i)
			}
		}
	}
}

// csvLine replaces line n (1-based) of goodCSV.
func csvLine(n int, s string) string {
	lines := strings.Split(goodCSV, "\n")
	lines[n-1] = s
	return strings.Join(lines, "\n")
}

func TestReadCSVErrors(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
		is             error
	}{
		{"empty", "", `rec.csv: empty file`, ErrEmptyFile},
		{"header only", "window,split,subject,label,ax\n", `rec.csv: empty file: no data rows`, ErrEmptyFile},
		{"no channel", "window,split,subject,label\n", `rec.csv:1: wrong number of values: header has 4 columns, want window,split,subject,label and at least one channel`, ErrValueCount},
		{"bad header", "win,split,subject,label,ax\n", `rec.csv:1: field 1: malformed input: header "win", want "window"`, ErrFormat},
		{"repeated channel", "window,split,subject,label,ax,ax\n", `rec.csv:1: field 6: malformed input: channel name "ax" empty or repeated`, ErrFormat},
		{"not a number", csvLine(3, "w1,train,1,walk,0.25,abc"), `rec.csv:3: field 6 (ay): "abc" is not a number`, ErrNotNumber},
		{"NaN", csvLine(5, "w2,train,2,sit,NaN,4"), `rec.csv:5: field 5 (ax): "NaN" is not a finite number`, ErrNotFinite},
		{"Inf", csvLine(8, "t1,test,3,sit,-3,+Inf"), `rec.csv:8: field 6 (ay): "+Inf" is not a finite number`, ErrNotFinite},
		{"too few values", csvLine(4, "w1,train,1,walk,1"), `rec.csv:4: wrong number of values: got 5, want 6 as in the header`, ErrValueCount},
		{"too many values", csvLine(4, "w1,train,1,walk,1,2,3"), `rec.csv:4: wrong number of values: got 7, want 6 as in the header`, ErrValueCount},
		{"truncated last line", strings.TrimSuffix(goodCSV, ",-6\n"), `rec.csv:10: truncated line: the file ends inside this row: wrong number of values: got 5, want 6 as in the header`, ErrTruncated},
		{"truncated inside a value", strings.TrimSuffix(goodCSV, "6\n"), `rec.csv:10: field 6 (ay): truncated line: the file ends inside this row: "-" is not a number`, ErrTruncated},
		{"bad split", csvLine(2, "w1,val,1,walk,0.5,1"), `rec.csv:2: field 2 (split): malformed input: split "val", want train or test`, ErrFormat},
		{"bad subject", csvLine(2, "w1,train,x,walk,0.5,1"), `rec.csv:2: field 3 (subject): "x" is not an integer`, ErrNotInteger},
		{"empty label", csvLine(2, "w1,train,1,,0.5,1"), `rec.csv:2: field 4 (label): malformed input: empty label`, ErrFormat},
		{"label changes", csvLine(3, "w1,train,1,run,0.25,1"), `rec.csv:3: field 4 (label): malformed input: window "w1" changes label from "walk" to "run"`, ErrFormat},
		{"subject changes", csvLine(3, "w1,train,4,walk,0.25,1"), `rec.csv:3: field 3 (subject): malformed input: window "w1" changes subject from 1 to 4`, ErrFormat},
		{"window again", goodCSV + "w1,train,1,walk,1,1\n", `rec.csv:11: field 1 (window): malformed input: window "w1" appears again (the rows of a window must be consecutive)`, ErrFormat},
		{"short window", csvLine(7, "#"), `rec.csv:5: field 1 (window): wrong number of values: window "w2" has 2 rows, the first window has 3`, ErrValueCount},
		{"long window", csvLine(5, "w2,train,2,sit,3,4\nw2,train,2,sit,3,4\nw2,train,2,sit,3,4"), `rec.csv:8: field 1 (window): wrong number of values: window "w2" has more than the 3 rows of the first window`, ErrValueCount},
		{"bare quote", csvLine(2, `w"1,train,1,walk,0.5,1`), `rec.csv:2: malformed input: bare " in non-quoted-field`, ErrFormat},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := ReadCSV(strings.NewReader(c.in), "rec.csv")
			if s != nil {
				t.Errorf("partial result with error %v", err)
			}
			var pe *ParseError
			if err == nil || err.Error() != c.want || !errors.As(err, &pe) || !errors.Is(err, c.is) {
				t.Errorf("error\n got %v\nwant %s (%v)", err, c.want, c.is)
			}
		})
	}
}

func TestReadCSVLimit(t *testing.T) {
	setLimits(t, 100, 1<<30)
	s, err := ReadCSV(strings.NewReader(goodCSV+goodCSV), "big.csv")
	want := `big.csv: larger than the limit of 100 bytes per file`
	if s != nil || err == nil || err.Error() != want || !errors.Is(err, ErrTooLarge) {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
