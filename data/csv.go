package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// csvColumns are the first columns of the CSV format, in this order; the
// channel columns follow.
var csvColumns = [...]string{"window", "split", "subject", "label"}

// ReadCSV reads a dataset in the CSV format of the package documentation
// from r; name is the file name shown in errors and the datasets' Name.
// Errors are *ParseError with the line and column; nothing is returned with
// an error.
func ReadCSV(r io.Reader, name string) (*Split, error) {
	return readCSV(r, name, newBudget())
}

// csvSplit accumulates the windows of one split.
type csvSplit struct {
	x                []float32
	labels, subjects []int
	ids              []string
}

func readCSV(r io.Reader, name string, b *budget) (*Split, error) {
	tail := &tailReader{r: &limitReader{r: r, name: name, b: b}}
	cr := csv.NewReader(tail)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.Comment = '#'
	cr.TrimLeadingSpace = true

	fail := func(line int, field string, err error) (*Split, error) {
		// A bad last row of a file that does not end with a newline is
		// reported as truncated.
		if line > 0 && !errors.Is(err, ErrEmptyFile) {
			if _, rerr := cr.Read(); rerr == io.EOF && tail.last != '\n' {
				err = fmt.Errorf("%w: the file ends inside this row: %w", ErrTruncated, err)
			}
		}
		return nil, &ParseError{File: name, Line: line, Field: field, Err: err}
	}
	readErr := func(err error) (*Split, error) {
		var pe *ParseError
		var ce *csv.ParseError
		switch {
		case errors.As(err, &pe):
			return nil, pe
		case errors.As(err, &ce):
			return fail(ce.Line, "", fmt.Errorf("%w: %v", ErrFormat, ce.Err))
		}
		return fail(0, "", err)
	}

	head, err := cr.Read()
	if err == io.EOF {
		return fail(0, "", ErrEmptyFile)
	}
	if err != nil {
		return readErr(err)
	}
	header := make([]string, len(head))
	for i, h := range head {
		header[i] = strings.TrimSpace(h)
	}
	hline, _ := cr.FieldPos(0)
	if len(header) <= len(csvColumns) {
		return fail(hline, "", fmt.Errorf("%w: header has %d columns, want %s and at least one channel",
			ErrValueCount, len(header), strings.Join(csvColumns[:], ",")))
	}
	for i, c := range csvColumns {
		if !strings.EqualFold(header[i], c) {
			return fail(hline, fieldName(i), fmt.Errorf("%w: header %q, want %q", ErrFormat, header[i], c))
		}
	}
	channels := header[len(csvColumns):]
	for i, c := range channels {
		if c == "" || slices.Index(channels, c) != i {
			return fail(hline, fieldName(len(csvColumns)+i), fmt.Errorf("%w: channel name %q empty or repeated", ErrFormat, c))
		}
	}
	nc := len(channels)
	col := func(i int) string { return fmt.Sprintf("field %d (%s)", i+1, header[i]) }

	var (
		splits    [2]csvSplit // train, test
		classes   []string
		seen      = map[string]bool{}
		t         = 0  // window length, from the first window
		cur       = "" // current window id
		curLine   int  // its first line
		curSplit  int
		curSubj   int
		curLabel  string
		curSteps  int
		haveCur   bool
		vals      = make([]float32, nc)
		endWindow = func() error {
			if !haveCur {
				return nil
			}
			if t == 0 {
				t = curSteps
			} else if curSteps != t {
				return &ParseError{File: name, Line: curLine, Field: col(0),
					Err: fmt.Errorf("%w: window %q has %d rows, the first window has %d", ErrValueCount, cur, curSteps, t)}
			}
			return nil
		}
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return readErr(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			return fail(line, "", fmt.Errorf("%w: got %d, want %d as in the header", ErrValueCount, len(rec), len(header)))
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		id := rec[0]
		if id == "" {
			return fail(line, col(0), fmt.Errorf("%w: empty window id", ErrFormat))
		}
		sp := 0
		switch strings.ToLower(rec[1]) {
		case "train":
		case "test":
			sp = 1
		default:
			return fail(line, col(1), fmt.Errorf("%w: split %q, want train or test", ErrFormat, rec[1]))
		}
		subj, err := parseInt([]byte(rec[2]))
		if err != nil {
			return fail(line, col(2), err)
		}
		label := rec[3]
		if label == "" {
			return fail(line, col(3), fmt.Errorf("%w: empty label", ErrFormat))
		}
		for i := range vals {
			v, err := parseFloat32([]byte(rec[len(csvColumns)+i]))
			if err != nil {
				return fail(line, col(len(csvColumns)+i), err)
			}
			vals[i] = v
		}
		if !haveCur || id != cur {
			if err := endWindow(); err != nil {
				return nil, err
			}
			if seen[id] {
				return fail(line, col(0), fmt.Errorf("%w: window %q appears again (the rows of a window must be consecutive)", ErrFormat, id))
			}
			seen[id] = true
			cur, curLine, curSplit, curSubj, curLabel, curSteps, haveCur = id, line, sp, subj, label, 0, true
			k := slices.Index(classes, label)
			if k < 0 {
				k = len(classes)
				classes = append(classes, label)
			}
			s := &splits[sp]
			s.labels = append(s.labels, k)
			s.subjects = append(s.subjects, subj)
			s.ids = append(s.ids, id)
		} else {
			switch {
			case sp != curSplit:
				return fail(line, col(1), fmt.Errorf("%w: window %q changes split", ErrFormat, id))
			case subj != curSubj:
				return fail(line, col(2), fmt.Errorf("%w: window %q changes subject from %d to %d", ErrFormat, id, curSubj, subj))
			case label != curLabel:
				return fail(line, col(3), fmt.Errorf("%w: window %q changes label from %q to %q", ErrFormat, id, curLabel, label))
			}
		}
		if t > 0 && curSteps == t {
			return fail(line, col(0), fmt.Errorf("%w: window %q has more than the %d rows of the first window", ErrValueCount, id, t))
		}
		splits[sp].x = append(splits[sp].x, vals...)
		curSteps++
	}
	if !haveCur {
		return fail(0, "", fmt.Errorf("%w: no data rows", ErrEmptyFile))
	}
	if err := endWindow(); err != nil {
		return nil, err
	}
	out := [2]*Dataset{}
	for i, s := range splits {
		out[i] = &Dataset{
			Name:       name + " " + [2]string{"train", "test"}[i],
			Channels:   slices.Clone(channels),
			T:          t,
			X:          slices.Clip(s.x),
			Labels:     orEmpty(s.labels),
			Subjects:   orEmpty(s.subjects),
			ClassNames: slices.Clone(classes),
			IDs:        orEmptyS(s.ids),
		}
	}
	return &Split{Train: out[0], Test: out[1]}, nil
}

func orEmpty(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}

func orEmptyS(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// WriteCSV writes s in the CSV format that ReadCSV reads, train windows
// first, at full float32 precision (values round-trip exactly).
func WriteCSV(w io.Writer, s *Split) error {
	cw := csv.NewWriter(w)
	rec := append(append([]string{}, csvColumns[:]...), s.Train.Channels...)
	if err := cw.Write(rec); err != nil {
		return err
	}
	for k, d := range []*Dataset{s.Train, s.Test} {
		sp := [2]string{"train", "test"}[k]
		nc := len(d.Channels)
		for i := 0; i < d.Len(); i++ {
			w := d.Window(i)
			for t := 0; t < d.T; t++ {
				rec = rec[:0]
				rec = append(rec, d.IDs[i], sp, strconv.Itoa(d.Subjects[i]), d.ClassNames[d.Labels[i]])
				for _, v := range w[t*nc : (t+1)*nc] {
					rec = append(rec, strconv.FormatFloat(float64(v), 'g', -1, 32))
				}
				if err := cw.Write(rec); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// tailReader remembers the last byte read.
type tailReader struct {
	r    io.Reader
	last byte
}

func (t *tailReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		t.last = p[n-1]
	}
	return n, err
}
