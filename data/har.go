package data

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// harChannels is the fixed channel order of UCI HAR windows: the 9 raw
// signals of "Inertial Signals".
var harChannels = [...]string{
	"body_acc_x", "body_acc_y", "body_acc_z",
	"body_gyro_x", "body_gyro_y", "body_gyro_z",
	"total_acc_x", "total_acc_y", "total_acc_z",
}

// HARChannels returns the channel order of UCI HAR datasets: body_acc_x, y,
// z, body_gyro_x, y, z, total_acc_x, y, z.
func HARChannels() []string { return slices.Clone(harChannels[:]) }

// HARName is the Name of datasets read from the UCI HAR layout.
const HARName = "UCI HAR"

// ReadHAR reads the UCI HAR layout from fsys. root is the directory holding
// activity_labels.txt, train/ and test/ ("." for the top of fsys); an empty
// root looks for it at the top of fsys and one directory below (so both the
// "UCI HAR Dataset" folder and its parent work, and __MACOSX entries are
// ignored). Each split is read from y_<split>.txt, subject_<split>.txt and
// the 9 files "Inertial Signals/<channel>_<split>.txt", in HARChannels order;
// the splits are read independently and may have any number of windows, all
// windows of one file set having the same length.
//
// Errors are *ParseError naming the file relative to root; nothing is
// returned with an error.
func ReadHAR(fsys fs.FS, root string) (*Split, error) {
	return readHAR(fsys, root, newBudget())
}

func readHAR(fsys fs.FS, root string, b *budget) (*Split, error) {
	if root == "" {
		r, err := findHARRoot(fsys)
		if err != nil {
			return nil, err
		}
		root = r
	}
	names, err := readLabelTable(fsys, root, b)
	if err != nil {
		return nil, err
	}
	train, err := readHARSplit(fsys, root, "train", names, 0, b)
	if err != nil {
		return nil, err
	}
	test, err := readHARSplit(fsys, root, "test", names, train.T, b)
	if err != nil {
		return nil, err
	}
	return &Split{Train: train, Test: test}, nil
}

// errNoHAR is returned when no UCI HAR layout is found.
var errNoHAR = errors.New("no UCI HAR layout found (want activity_labels.txt, train/ and test/)")

// isHARRoot reports whether dir looks like the top of a UCI HAR layout.
func isHARRoot(fsys fs.FS, dir string) bool {
	for _, f := range []string{"activity_labels.txt", "train/y_train.txt", "test/y_test.txt"} {
		if _, err := fs.Stat(fsys, path.Join(dir, f)); err == nil {
			return true
		}
	}
	return false
}

// ignored reports whether a directory entry is metadata that is not part of
// a dataset: __MACOSX folders, AppleDouble "._" files and hidden entries.
func ignored(name string) bool {
	return name == "__MACOSX" || strings.HasPrefix(name, ".")
}

// findHARRoot returns "." or the one top-level directory holding a UCI HAR
// layout.
func findHARRoot(fsys fs.FS) (string, error) {
	if isHARRoot(fsys, ".") {
		return ".", nil
	}
	ents, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return "", err
	}
	var found []string
	for _, e := range ents {
		if e.IsDir() && !ignored(e.Name()) && isHARRoot(fsys, e.Name()) {
			found = append(found, e.Name())
		}
	}
	switch len(found) {
	case 0:
		return "", errNoHAR
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("%d UCI HAR layouts found (%s): name one", len(found), strings.Join(found, ", "))
}

// openLimited opens root/name in fsys for reading under the size limits.
// A missing file is ErrMissingFile; name is what errors show.
func openLimited(fsys fs.FS, root, name string, b *budget) (io.ReadCloser, error) {
	f, err := fsys.Open(path.Join(root, name))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &ParseError{File: name, Err: ErrMissingFile}
		}
		return nil, &ParseError{File: name, Err: err}
	}
	if st, err := f.Stat(); err == nil {
		if st.IsDir() {
			f.Close()
			return nil, &ParseError{File: name, Err: fmt.Errorf("%w: a directory, want a file", ErrMissingFile)}
		}
		if st.Size() > maxFileBytes {
			f.Close()
			return nil, &ParseError{File: name, Err: fmt.Errorf("%w of %s per file (%d bytes)", ErrTooLarge, mib(maxFileBytes), st.Size())}
		}
	}
	return struct {
		io.Reader
		io.Closer
	}{&limitReader{r: f, name: name, b: b}, f}, nil
}

// readLabelTable reads activity_labels.txt: line k is "k NAME", k = 1, 2, ….
func readLabelTable(fsys fs.FS, root string, b *budget) ([]string, error) {
	const name = "activity_labels.txt"
	f, err := openLimited(fsys, root, name, b)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	lr := newLineReader(f, name)
	var names []string
	for {
		s, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		fields := strings.Fields(string(s))
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 2 {
			return nil, &ParseError{File: name, Line: lr.line, Err: fmt.Errorf("%w: got %d, want 2 (id and name)", ErrValueCount, len(fields))}
		}
		id, err := parseInt([]byte(fields[0]))
		if err != nil {
			return nil, &ParseError{File: name, Line: lr.line, Field: fieldName(0), Err: err}
		}
		if id != len(names)+1 {
			return nil, &ParseError{File: name, Line: lr.line, Field: fieldName(0),
				Err: fmt.Errorf("%w: label id %d, want %d (ids count from 1 in order)", ErrFormat, id, len(names)+1)}
		}
		if slices.Contains(names, fields[1]) {
			return nil, &ParseError{File: name, Line: lr.line, Field: fieldName(1), Err: fmt.Errorf("%w: class name %q repeated", ErrFormat, fields[1])}
		}
		names = append(names, fields[1])
	}
	if len(names) == 0 {
		return nil, &ParseError{File: name, Err: ErrEmptyFile}
	}
	return names, nil
}

// readHARSplit reads one split ("train" or "test") of the UCI HAR layout;
// t is the window length, or 0 to take it from the first row.
func readHARSplit(fsys fs.FS, root, split string, classNames []string, t int, b *budget) (*Dataset, error) {
	yName := split + "/y_" + split + ".txt"
	var labels []int
	if err := withFile(fsys, root, yName, b, func(r io.Reader) error {
		_, err := readInts(r, yName, func(_, line, y int) error {
			if y < 1 || y > len(classNames) {
				return &ParseError{File: yName, Line: line, Field: fieldName(0),
					Err: fmt.Errorf("label %d is %w (1..%d in activity_labels.txt)", y, ErrLabel, len(classNames))}
			}
			labels = append(labels, y-1)
			return nil
		})
		return err
	}); err != nil {
		return nil, err
	}
	n := len(labels)

	sName := split + "/subject_" + split + ".txt"
	subjects := make([]int, n)
	if err := withFile(fsys, root, sName, b, func(r io.Reader) error {
		rows, err := readInts(r, sName, func(i, line, s int) error {
			if i >= n {
				return extraRow(sName, line, yName, n)
			}
			subjects[i] = s
			return nil
		})
		if err == nil && rows < n {
			err = missingRows(sName, rows, yName, n)
		}
		return err
	}); err != nil {
		return nil, err
	}

	// The first channel file is read first: without t, the window length
	// comes from its first row. The others are read in parallel (each
	// fills its own channel of x).
	c := len(harChannels)
	var x []float32
	// alloc allocates x once the window length is known, refusing shapes
	// whose text could not fit within the limits (each value takes at least
	// 2 bytes), so that a few short lines cannot demand a huge allocation.
	alloc := func(name string, line int) error {
		need := 2*int64(n)*int64(t) - 1
		if need > maxFileBytes || int64(c)*need > maxTotalBytes {
			return &ParseError{File: name, Line: line, Err: fmt.Errorf("%w: %d rows of %d values cannot fit within the limits (%s per file, %s in all)",
				ErrTooLarge, n, t, mib(maxFileBytes), mib(maxTotalBytes))}
		}
		x = make([]float32, n*t*c)
		return nil
	}
	readChannel := func(ch int) error {
		name := split + "/Inertial Signals/" + harChannels[ch] + "_" + split + ".txt"
		return withFile(fsys, root, name, b, func(r io.Reader) error {
			rows, err := readRows(r, name, t, func(i, line int, vals []float32) error {
				if i >= n {
					return extraRow(name, line, yName, n)
				}
				if x == nil {
					t = len(vals)
					if err := alloc(name, line); err != nil {
						return err
					}
				}
				base := i*t*c + ch
				for k, v := range vals {
					x[base+k*c] = v
				}
				return nil
			})
			if err == nil && rows < n {
				err = missingRows(name, rows, yName, n)
			}
			return err
		})
	}
	if t > 0 {
		if err := alloc(yName, 0); err != nil {
			return nil, err
		}
	}
	if err := readChannel(0); err != nil {
		return nil, err
	}
	errs := make([]error, c)
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, min(runtime.GOMAXPROCS(0), c-1)))
	for ch := 1; ch < c; ch++ {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[ch] = readChannel(ch)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err // the first in channel order, whichever failed first
		}
	}
	ids := make([]string, n)
	prefix := split + "/"
	for i := range ids {
		ids[i] = prefix + strconv.Itoa(i+1)
	}
	return &Dataset{
		Name:       HARName + " " + split,
		Channels:   HARChannels(),
		T:          t,
		X:          x,
		Labels:     labels,
		Subjects:   subjects,
		ClassNames: slices.Clone(classNames),
		IDs:        ids,
	}, nil
}

// withFile opens root/name under the limits, passes it to read and closes it.
func withFile(fsys fs.FS, root, name string, b *budget, read func(io.Reader) error) error {
	f, err := openLimited(fsys, root, name, b)
	if err != nil {
		return err
	}
	defer f.Close()
	return read(f)
}

func extraRow(name string, line int, ref string, n int) error {
	return &ParseError{File: name, Line: line, Err: fmt.Errorf("%w: more rows than the %d of %s", ErrLineCount, n, ref)}
}

func missingRows(name string, rows int, ref string, n int) error {
	return &ParseError{File: name, Err: fmt.Errorf("%w: %d rows, %s has %d", ErrLineCount, rows, ref, n)}
}
