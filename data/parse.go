package data

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync/atomic"
)

// Limits on what a reader accepts, checked on the uncompressed bytes as they
// are read (a zip entry's declared size is not trusted), so that a zip bomb or
// a mistaken path to a huge file is refused early instead of exhausting memory.
const (
	// MaxFileBytes is the largest file or zip entry read, uncompressed.
	// The largest UCI HAR file is about 14 MB.
	MaxFileBytes = 256 << 20
	// MaxTotalBytes is the most uncompressed bytes one Load reads over all
	// files (a nested zip counts twice: as an entry and as its content).
	// Full UCI HAR is about 190 MB of text.
	MaxTotalBytes = 1 << 30
)

// The limits in force; tests lower them.
var (
	maxFileBytes  int64 = MaxFileBytes
	maxTotalBytes int64 = MaxTotalBytes
)

// budget counts the bytes one load has read over all its files.
type budget struct{ used atomic.Int64 }

func newBudget() *budget { return &budget{} }

// limitReader counts the bytes read from one file and fails once the file or
// the whole load passes its limit.
type limitReader struct {
	r    io.Reader
	name string
	n    int64
	b    *budget
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > maxFileBytes {
		return 0, &ParseError{File: l.name, Err: fmt.Errorf("%w of %s per file", ErrTooLarge, mib(maxFileBytes))}
	}
	if l.b != nil && l.b.used.Add(int64(n)) > maxTotalBytes {
		return 0, &ParseError{File: l.name, Err: fmt.Errorf("%w of %s for all files together", ErrTooLarge, mib(maxTotalBytes))}
	}
	return n, err
}

// lineReader returns the lines of a text file without their line endings
// (LF or CRLF), counting line numbers from 1.
type lineReader struct {
	br   *bufio.Reader
	name string
	line int    // number of the line last returned
	long []byte // a line longer than the bufio buffer
	// unterminated is set when the line last returned ended the file without
	// a newline (a file cut off in the middle of a line shows as this).
	unterminated bool
}

func newLineReader(r io.Reader, name string) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10), name: name}
}

// next returns the next line, valid until the following call, or io.EOF.
// Read errors are returned as *ParseError naming the file.
func (l *lineReader) next() ([]byte, error) {
	l.long = l.long[:0]
	for {
		s, err := l.br.ReadSlice('\n')
		switch err {
		case nil:
			l.line++
			if len(l.long) > 0 {
				s = append(l.long, s...)
				l.long = s
			}
			s = s[:len(s)-1]
			if len(s) > 0 && s[len(s)-1] == '\r' {
				s = s[:len(s)-1]
			}
			return s, nil
		case bufio.ErrBufferFull:
			l.long = append(l.long, s...)
		case io.EOF:
			if len(l.long) > 0 {
				s = append(l.long, s...)
				l.long = s
			}
			if len(s) == 0 {
				return nil, io.EOF
			}
			l.line++
			l.unterminated = true
			if s[len(s)-1] == '\r' {
				s = s[:len(s)-1]
			}
			return s, nil
		default:
			var pe *ParseError
			if errors.As(err, &pe) {
				if pe.Line == 0 && pe.File == l.name {
					pe.Line = l.line + 1 // the line being read
				}
				return nil, pe
			}
			return nil, &ParseError{File: l.name, Line: l.line + 1, Err: err}
		}
	}
}

// isSpace reports whether c separates values: space, tab, CR, vertical tab,
// form feed.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' }

// nextField returns the next whitespace-separated field of s at or after i,
// and the index after it; start == len(s) when there is none.
func nextField(s []byte, i int) (start, end int) {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	start = i
	for i < len(s) && !isSpace(s[i]) {
		i++
	}
	return start, i
}

// blank reports whether s holds only white space.
func blank(s []byte) bool {
	for _, c := range s {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

// parseFloat32 parses one value as a finite float32 (correctly rounded, as
// strconv.ParseFloat with bitSize 32). It does not allocate on success.
func parseFloat32(b []byte) (float32, error) {
	if f, ok := fastFloat32(b); ok {
		return f, nil
	}
	if len(b) == 0 {
		return 0, fmt.Errorf("empty value is %w", ErrNotNumber)
	}
	f, err := strconv.ParseFloat(string(b), 32)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) && !math.IsInf(f, 0) {
			// Underflow below the smallest subnormal: strconv rounds to 0.
			return float32(f), nil
		}
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%q is %w", b, ErrRange)
		}
		return 0, fmt.Errorf("%q is %w", b, ErrNotNumber)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is %w", b, ErrNotFinite)
	}
	return float32(f), nil
}

// pow10f32 holds the powers of ten that float32 represents exactly.
var pow10f32 = [...]float32{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10}

// fastFloat32 parses plain decimal text ([±]digits[.digits][e[±]digits])
// whose significant digits form an integer m < 2²⁴ and whose decimal
// exponent e has |e| ≤ 10 — nearly every value of UCI HAR's "%.7e" text.
// Then m and 10^|e| are exact float32 values and one IEEE multiplication or
// division rounds correctly (Clinger's fast path), so the result equals
// strconv.ParseFloat(s, 32). ok is false for anything else, which the caller
// passes to strconv.
func fastFloat32(b []byte) (f float32, ok bool) {
	i := 0
	neg := false
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	var m uint64
	nd, exp := 0, 0 // digits taken into m, decimal exponent
	digits := false
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		digits = true
		if m == 0 && b[i] == '0' {
			continue
		}
		if nd == 18 {
			return 0, false
		}
		m = m*10 + uint64(b[i]-'0')
		nd++
	}
	if i < len(b) && b[i] == '.' {
		i++
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			digits = true
			exp--
			if m == 0 && b[i] == '0' {
				continue
			}
			if nd == 18 {
				return 0, false
			}
			m = m*10 + uint64(b[i]-'0')
			nd++
		}
	}
	if !digits {
		return 0, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '-' || b[i] == '+') {
			eneg = b[i] == '-'
			i++
		}
		if i == len(b) {
			return 0, false
		}
		e := 0
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if e > 1000 {
				return 0, false
			}
			e = e*10 + int(b[i]-'0')
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if i != len(b) {
		return 0, false
	}
	if m == 0 {
		if neg {
			return float32(math.Copysign(0, -1)), true
		}
		return 0, true
	}
	for m%10 == 0 {
		m /= 10
		exp++
	}
	if m >= 1<<24 || exp < -10 || exp > 10 {
		return 0, false
	}
	f = float32(m)
	if exp < 0 {
		f /= pow10f32[-exp]
	} else {
		f *= pow10f32[exp]
	}
	if neg {
		f = -f
	}
	return f, true
}

// parseInt parses a decimal integer of at most 9 digits with an optional sign.
func parseInt(b []byte) (int, error) {
	s := b
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 9 {
		return 0, fmt.Errorf("%q is %w", b, ErrNotInteger)
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is %w", b, ErrNotInteger)
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, nil
}

// readRows parses a file of whitespace-separated numbers, one row per line,
// calling row for each with its 0-based row index, its line number and its
// values (a buffer reused for the next row). Blank lines are skipped. want is
// the number of values per row, or 0 to take it from the first row. It
// returns the number of rows. Errors are *ParseError with the file, line and
// field; a file without rows is ErrEmptyFile.
func readRows(r io.Reader, name string, want int, row func(i, line int, vals []float32) error) (int, error) {
	lr := newLineReader(r, name)
	var vals []float32
	if want > 0 {
		vals = make([]float32, 0, want)
	}
	n := 0
	for {
		s, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, err
		}
		vals = vals[:0]
		for i := 0; ; {
			start, end := nextField(s, i)
			if start == len(s) {
				break
			}
			i = end
			v, err := parseFloat32(s[start:end])
			if err != nil {
				if lr.unterminated && end == len(s) && (want == 0 || len(vals) < want) {
					return n, &ParseError{File: name, Line: lr.line, Field: fieldName(len(vals)),
						Err: fmt.Errorf("%w: the file ends inside value %d (%q)", ErrTruncated, len(vals)+1, s[start:end])}
				}
				return n, &ParseError{File: name, Line: lr.line, Field: fieldName(len(vals)), Err: err}
			}
			vals = append(vals, v)
		}
		if len(vals) == 0 {
			continue // blank line
		}
		if want == 0 {
			want = len(vals)
		}
		if len(vals) != want {
			if lr.unterminated && len(vals) < want {
				return n, &ParseError{File: name, Line: lr.line,
					Err: fmt.Errorf("%w: the file ends after %d of %d values", ErrTruncated, len(vals), want)}
			}
			return n, &ParseError{File: name, Line: lr.line, Err: fmt.Errorf("%w: got %d, want %d", ErrValueCount, len(vals), want)}
		}
		if err := row(n, lr.line, vals); err != nil {
			return n, err
		}
		n++
	}
	if n == 0 {
		return 0, &ParseError{File: name, Err: ErrEmptyFile}
	}
	return n, nil
}

// readInts parses a file of one integer per line (labels, subjects), calling
// v for each with its 0-based row index and line number. Blank lines are
// skipped. It returns the number of rows.
func readInts(r io.Reader, name string, v func(i, line, x int) error) (int, error) {
	lr := newLineReader(r, name)
	n := 0
	for {
		s, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, err
		}
		start, end := nextField(s, 0)
		if start == len(s) {
			continue
		}
		if e2, _ := nextField(s, end); e2 != len(s) {
			return n, &ParseError{File: name, Line: lr.line, Err: fmt.Errorf("%w: got %d, want 1", ErrValueCount, len(bytes.Fields(s)))}
		}
		x, err := parseInt(s[start:end])
		if err != nil {
			return n, &ParseError{File: name, Line: lr.line, Field: fieldName(0), Err: err}
		}
		if err := v(n, lr.line, x); err != nil {
			return n, err
		}
		n++
	}
	if n == 0 {
		return 0, &ParseError{File: name, Err: ErrEmptyFile}
	}
	return n, nil
}
