package data

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// EmbeddedName is the path that Load and LoadBytes take for the embedded
// default subset.
const EmbeddedName = "embedded"

// Load reads a dataset from path:
//
//   - "embedded": the embedded UCI HAR subset (a copy; see Embedded);
//   - a directory: the UCI HAR layout, the "UCI HAR Dataset" folder or its
//     parent (see ReadHAR);
//   - a .zip file: the UCI HAR layout inside it, as downloaded from UCI (see
//     ReadZip);
//   - a .csv file: the CSV format of the package documentation;
//   - a file in the package's binary format (see EncodeSplit).
//
// Errors are *ParseError naming the file inside the dataset, after the
// archive's name for a zip ("har.zip: UCI HAR Dataset/train/y_train.txt:3")
// or as a path under the directory given ("/data/har/train/y_train.txt:3");
// a directory or archive without the UCI HAR layout is named too. The limits
// MaxFileBytes and MaxTotalBytes apply. Nothing is returned with an error.
func Load(p string) (*Split, error) {
	if p == EmbeddedName {
		return Embedded(), nil
	}
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return readDir(p)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	name := filepath.Base(p)
	var magic [8]byte
	k, _ := io.ReadFull(f, magic[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	switch {
	case isZip(magic[:k]) || strings.EqualFold(path.Ext(name), ".zip"):
		return readZip(f, st.Size(), name, newBudget(), 1)
	case bytes.HasPrefix(magic[:k], binMagic[:]):
		if st.Size() > maxFileBytes {
			return nil, &ParseError{File: name, Err: fmt.Errorf("%w of %s per file", ErrTooLarge, mib(maxFileBytes))}
		}
		b, err := io.ReadAll(&limitReader{r: f, name: name, b: newBudget()})
		if err != nil {
			return nil, err
		}
		return decodeSplit(b, name)
	}
	return readCSV(f, name, newBudget())
}

// LoadBytes reads a dataset held in memory (the browser has bytes, not
// files), choosing the format from the content and the name: a zip (UCI HAR
// layout inside), the binary format of EncodeSplit, else CSV. name is used in
// error messages; "embedded" returns the embedded subset.
func LoadBytes(name string, b []byte) (*Split, error) {
	switch {
	case name == EmbeddedName && len(b) == 0:
		return Embedded(), nil
	case isZip(b) || (len(b) == 0 && strings.EqualFold(path.Ext(name), ".zip")):
		return readZip(bytes.NewReader(b), int64(len(b)), name, newBudget(), 1)
	case bytes.HasPrefix(b, binMagic[:]):
		if int64(len(b)) > maxFileBytes {
			return nil, &ParseError{File: name, Err: fmt.Errorf("%w of %s per file", ErrTooLarge, mib(maxFileBytes))}
		}
		return decodeSplit(b, name)
	}
	return readCSV(bytes.NewReader(b), name, newBudget())
}

// isZip reports whether b starts like a zip archive.
func isZip(b []byte) bool {
	return bytes.HasPrefix(b, []byte("PK\x03\x04")) || bytes.HasPrefix(b, []byte("PK\x05\x06"))
}

// ReadZip reads the UCI HAR layout from a zip archive, as downloaded from UCI:
// the layout may sit at the top or in one folder; __MACOSX entries are
// ignored; when the archive holds no layout but a zip (the UCI download wraps
// "UCI HAR Dataset.zip"), that inner zip is read, one level deep. Every entry
// is checked against MaxFileBytes while it is decompressed, whatever its
// header says, and all entries together against MaxTotalBytes.
//
// Errors name the entry by its path in the archive ("UCI HAR
// Dataset/train/y_train.txt:12: field 1: ..."), after the inner zip's name
// for the UCI download ("UCI HAR Dataset.zip: UCI HAR Dataset/..."). A
// damaged archive (a checksum mismatch, a truncated or corrupt entry) is
// reported as such, wrapping ErrFormat and the archive reader's error; a
// line number is not given then, since the damage is not in the line.
func ReadZip(r io.ReaderAt, size int64) (*Split, error) {
	return readZip(r, size, "zip", newBudget(), 1)
}

// readDir is ReadHAR of the directory dir, with dir in its errors: a file's
// path under it, or dir itself when it holds no UCI HAR layout.
func readDir(dir string) (*Split, error) {
	s, err := readHAR(os.DirFS(dir), "", newBudget())
	if err == nil {
		return s, nil
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	pe.File = filepath.Join(dir, filepath.FromSlash(pe.File))
	return nil, err
}

// readZip is ReadZip of the archive called name (in errors).
func readZip(r io.ReaderAt, size int64, name string, b *budget, nest int) (*Split, error) {
	s, err := readZipIn(r, size, b, nest)
	if err == nil {
		return s, nil
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if pe.File == "" {
		pe.File = name
	} else {
		pe.File = name + ": " + pe.File
	}
	if isDamage(pe.Err) && !errors.As(pe.Err, new(damagedZip)) {
		pe.Line, pe.Field, pe.Err = 0, "", damagedZip{pe.Err}
	}
	return nil, err
}

// damagedZip is the reason of an error reading a damaged archive.
type damagedZip struct{ err error }

func (e damagedZip) Error() string {
	return "the zip is damaged (" + e.err.Error() + "): download or copy it again"
}

func (e damagedZip) Unwrap() []error { return []error{ErrFormat, e.err} }

// isDamage reports whether err is the archive reader's: a checksum
// mismatch, a malformed archive or entry, corrupt compressed data, or data
// that ends too soon.
func isDamage(err error) bool {
	var corrupt flate.CorruptInputError
	return errors.Is(err, zip.ErrChecksum) || errors.Is(err, zip.ErrFormat) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.As(err, &corrupt)
}

func readZipIn(r io.ReaderAt, size int64, b *budget, nest int) (*Split, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, &ParseError{File: "", Err: damagedZip{err}}
	}
	root, err := findHARRoot(zr)
	if err == nil {
		s, err := readHAR(zr, root, b)
		var pe *ParseError
		if errors.As(err, &pe) && root != "." {
			pe.File = path.Join(root, pe.File)
		}
		return s, err
	}
	if !errors.Is(err, errNoHAR) || nest <= 0 {
		return nil, err
	}
	inner := ""
	for _, f := range zr.File {
		n := strings.TrimSuffix(f.Name, "/")
		if !strings.EqualFold(path.Ext(n), ".zip") || strings.Count(n, "/") > 1 || ignoredPath(n) {
			continue
		}
		inner = n
		break
	}
	if inner == "" {
		return nil, errNoHAR
	}
	f, err := openLimited(zr, ".", inner, b)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		var pe *ParseError
		if !errors.As(err, &pe) {
			err = &ParseError{File: inner, Err: err}
		}
		return nil, err
	}
	return readZip(bytes.NewReader(data), int64(len(data)), inner, b, nest-1)
}

// ignoredPath reports whether any element of a slash path is ignored.
func ignoredPath(p string) bool {
	for _, e := range strings.Split(p, "/") {
		if ignored(e) {
			return true
		}
	}
	return false
}

var _ fs.FS = (*zip.Reader)(nil)
