package data

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors. Every failure that depends on the input is returned as a
// *ParseError whose Err wraps one of these, so callers can test the kind of
// failure with errors.Is and still print where it happened.
var (
	ErrNotNumber   = errors.New("not a number")
	ErrNotInteger  = errors.New("not an integer")
	ErrNotFinite   = errors.New("not a finite number")
	ErrRange       = errors.New("out of float32 range")
	ErrValueCount  = errors.New("wrong number of values")
	ErrTruncated   = errors.New("truncated line")
	ErrLabel       = errors.New("outside the label table")
	ErrLineCount   = errors.New("row counts differ")
	ErrMissingFile = errors.New("missing file")
	ErrEmptyFile   = errors.New("empty file")
	ErrTooLarge    = errors.New("larger than the limit")
	ErrFormat      = errors.New("malformed input")
)

// ParseError reports where an input was refused: the file (relative to the
// dataset root, or the name given to a reader), the 1-based line (0 when the
// error concerns the whole file), the field (empty when the error concerns the
// whole line; "field 54" for the 54th value of a line, "field 6 (acc_y)" for a
// CSV column) and the reason, which wraps one of the Err* sentinels.
//
// Its Error method prints them as
//
//	train/Inertial Signals/body_acc_x_train.txt:17: field 54: "abc" is not a number
type ParseError struct {
	File  string
	Line  int
	Field string
	Err   error
}

func (e *ParseError) Error() string {
	s := e.File
	if e.Line > 0 {
		s += ":" + strconv.Itoa(e.Line)
	}
	if e.Field != "" {
		s += ": " + e.Field
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the reason, so errors.Is(err, ErrNotNumber) works.
func (e *ParseError) Unwrap() error { return e.Err }

// fieldName is the Field of a ParseError for the i-th (0-based) value of a line.
func fieldName(i int) string { return "field " + strconv.Itoa(i+1) }

// mib formats a byte count as mebibytes for limit messages.
func mib(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
