package data

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestReadHARMini(t *testing.T) {
	for _, c := range []struct{ name, root, arg string }{
		{"top", "", ""},
		{"top named", "", "."},
		{"folder", "UCI HAR Dataset", ""},
		{"folder named", "UCI HAR Dataset", "UCI HAR Dataset"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fsys := miniHAR(c.root)
			if c.root != "" {
				// Metadata that must be ignored.
				fsys["__MACOSX/UCI HAR Dataset/._activity_labels.txt"] = &fstest.MapFile{Data: []byte{0, 5, 22, 7}}
				fsys["__MACOSX/UCI HAR Dataset/train/y_train.txt"] = &fstest.MapFile{Data: []byte("junk")}
			}
			s, err := ReadHAR(fsys, c.arg)
			if err != nil {
				t.Fatalf("ReadHAR(%q): %v", c.arg, err)
			}
			checkMini(t, s)
			if got := strings.Join(s.Train.Channels, ","); got != strings.Join(harChannels[:], ",") {
				t.Errorf("channels %s", got)
			}
			if got := strings.Join(s.Train.ClassNames, ","); got != "WALKING,WALKING_UPSTAIRS,WALKING_DOWNSTAIRS,SITTING,STANDING,LAYING" {
				t.Errorf("class names %s", got)
			}
		})
	}
}

func TestReadHARLenient(t *testing.T) {
	// CRLF line endings, tabs and extra spaces, blank lines, no final newline.
	fsys := miniHAR("")
	for name, f := range fsys {
		s := string(f.Data)
		s = strings.ReplaceAll(s, "\n", " \r\n")
		s = strings.ReplaceAll(s, "  ", " \t ")
		s = "\r\n" + strings.TrimSuffix(s, "\r\n")
		if strings.HasSuffix(name, "_train.txt") && strings.Contains(name, "body_acc") {
			s += "\r\n\r\n   \r\n"
		}
		fsys[name] = &fstest.MapFile{Data: []byte(s)}
	}
	s, err := ReadHAR(fsys, "")
	if err != nil {
		t.Fatal(err)
	}
	checkMini(t, s)
}

// harCase changes one file of the mini layout; want is the exact error.
type harCase struct {
	name   string
	file   string // relative to the layout's top
	edit   func(string) string
	remove bool
	want   string
	is     error
}

func replaceLine(n int, repl string) func(string) string {
	return func(s string) string {
		lines := strings.SplitAfter(s, "\n")
		lines[n-1] = repl
		return strings.Join(lines, "")
	}
}

// lastLine replaces the last line by s, without a final newline.
func lastLine(s string) func(string) string {
	return func(f string) string {
		f = strings.TrimSuffix(f, "\n")
		return f[:strings.LastIndex(f, "\n")+1] + s
	}
}

func replaceField(line, field int, repl string) func(string) string {
	return func(s string) string {
		lines := strings.Split(s, "\n")
		f := strings.Fields(lines[line-1])
		f[field-1] = repl
		lines[line-1] = strings.Join(f, " ")
		return strings.Join(lines, "\n")
	}
}

const bax = "train/Inertial Signals/body_acc_x_train.txt"

var harCases = []harCase{
	{name: "not a number", file: bax, edit: replaceField(2, 3, "abc"),
		want: `train/Inertial Signals/body_acc_x_train.txt:2: field 3: "abc" is not a number`, is: ErrNotNumber},
	{name: "NaN", file: bax, edit: replaceField(1, 1, "NaN"),
		want: `train/Inertial Signals/body_acc_x_train.txt:1: field 1: "NaN" is not a finite number`, is: ErrNotFinite},
	{name: "Inf", file: "test/Inertial Signals/total_acc_z_test.txt", edit: replaceField(2, 4, "-Inf"),
		want: `test/Inertial Signals/total_acc_z_test.txt:2: field 4: "-Inf" is not a finite number`, is: ErrNotFinite},
	{name: "float32 overflow", file: bax, edit: replaceField(3, 2, "1e39"),
		want: `train/Inertial Signals/body_acc_x_train.txt:3: field 2: "1e39" is out of float32 range`, is: ErrRange},
	{name: "too few values", file: bax, edit: replaceLine(2, "1 2 3\n"),
		want: `train/Inertial Signals/body_acc_x_train.txt:2: wrong number of values: got 3, want 4`, is: ErrValueCount},
	{name: "too many values", file: "train/Inertial Signals/body_gyro_y_train.txt", edit: replaceLine(1, "1 2 3 4 5\n"),
		want: `train/Inertial Signals/body_gyro_y_train.txt:1: wrong number of values: got 5, want 4`, is: ErrValueCount},
	{name: "truncated line", file: bax, edit: lastLine("1 2 3"),
		want: `train/Inertial Signals/body_acc_x_train.txt:3: truncated line: the file ends after 3 of 4 values`, is: ErrTruncated},
	{name: "truncated inside a value", file: bax, edit: lastLine("1 2 3 4.5e"),
		want: `train/Inertial Signals/body_acc_x_train.txt:3: field 4: truncated line: the file ends inside value 4 ("4.5e")`, is: ErrTruncated},
	{name: "label outside the table", file: "train/y_train.txt", edit: replaceLine(2, "7\n"),
		want: `train/y_train.txt:2: field 1: label 7 is outside the label table (1..6 in activity_labels.txt)`, is: ErrLabel},
	{name: "label zero", file: "test/y_test.txt", edit: replaceLine(1, "0\n"),
		want: `test/y_test.txt:1: field 1: label 0 is outside the label table (1..6 in activity_labels.txt)`, is: ErrLabel},
	{name: "label not an integer", file: "train/y_train.txt", edit: replaceLine(3, "2.5\n"),
		want: `train/y_train.txt:3: field 1: "2.5" is not an integer`, is: ErrNotInteger},
	{name: "two labels on a line", file: "train/y_train.txt", edit: replaceLine(1, "1 2\n"),
		want: `train/y_train.txt:1: wrong number of values: got 2, want 1`, is: ErrValueCount},
	{name: "subject file longer", file: "train/subject_train.txt", edit: func(s string) string { return s + "5\n" },
		want: `train/subject_train.txt:4: row counts differ: more rows than the 3 of train/y_train.txt`, is: ErrLineCount},
	{name: "subject file shorter", file: "test/subject_test.txt", edit: replaceLine(2, ""),
		want: `test/subject_test.txt: row counts differ: 1 rows, test/y_test.txt has 2`, is: ErrLineCount},
	{name: "channel file shorter", file: "train/Inertial Signals/total_acc_y_train.txt", edit: replaceLine(3, ""),
		want: `train/Inertial Signals/total_acc_y_train.txt: row counts differ: 2 rows, train/y_train.txt has 3`, is: ErrLineCount},
	{name: "channel file longer", file: "test/Inertial Signals/body_gyro_x_test.txt", edit: func(s string) string { return s + "1 2 3 4\n" },
		want: `test/Inertial Signals/body_gyro_x_test.txt:3: row counts differ: more rows than the 2 of test/y_test.txt`, is: ErrLineCount},
	{name: "missing channel file", file: "test/Inertial Signals/body_gyro_z_test.txt", remove: true,
		want: `test/Inertial Signals/body_gyro_z_test.txt: missing file`, is: ErrMissingFile},
	{name: "missing label file", file: "train/y_train.txt", remove: true,
		want: `train/y_train.txt: missing file`, is: ErrMissingFile},
	{name: "missing subject file", file: "test/subject_test.txt", remove: true,
		want: `test/subject_test.txt: missing file`, is: ErrMissingFile},
	{name: "missing label table", file: "activity_labels.txt", remove: true,
		want: `activity_labels.txt: missing file`, is: ErrMissingFile},
	{name: "empty channel file", file: bax, edit: func(string) string { return "" },
		want: `train/Inertial Signals/body_acc_x_train.txt: empty file`, is: ErrEmptyFile},
	{name: "blank label file", file: "test/y_test.txt", edit: func(string) string { return " \r\n\n" },
		want: `test/y_test.txt: empty file`, is: ErrEmptyFile},
	{name: "empty label table", file: "activity_labels.txt", edit: func(string) string { return "" },
		want: `activity_labels.txt: empty file`, is: ErrEmptyFile},
	{name: "label table out of order", file: "activity_labels.txt", edit: replaceLine(2, "3 WALKING_UPSTAIRS\n"),
		want: `activity_labels.txt:2: field 1: malformed input: label id 3, want 2 (ids count from 1 in order)`, is: ErrFormat},
	{name: "test windows of another length", file: "test/Inertial Signals/body_acc_x_test.txt",
		edit: func(string) string { return "1 2 3\n4 5 6\n" },
		want: `test/Inertial Signals/body_acc_x_test.txt:1: wrong number of values: got 3, want 4`, is: ErrValueCount},
}

func TestReadHARErrors(t *testing.T) {
	for _, c := range harCases {
		t.Run(c.name, func(t *testing.T) {
			for _, root := range []string{"", "UCI HAR Dataset"} {
				fsys := miniHAR(root)
				name := c.file
				if root != "" {
					name = root + "/" + name
				}
				if c.remove {
					delete(fsys, name)
				} else {
					fsys[name] = &fstest.MapFile{Data: []byte(c.edit(string(fsys[name].Data)))}
				}
				s, err := ReadHAR(fsys, "")
				if s != nil {
					t.Errorf("root %q: got a partial result with error %v", root, err)
				}
				if err == nil || err.Error() != c.want {
					t.Fatalf("root %q: error\n got %v\nwant %s", root, err, c.want)
				}
				var pe *ParseError
				if !errors.As(err, &pe) || !errors.Is(err, c.is) {
					t.Errorf("root %q: error %#v is not a *ParseError wrapping %v", root, err, c.is)
				}
			}
		})
	}
}

func TestFindHARRoot(t *testing.T) {
	two := miniHAR("a")
	for k, v := range miniHAR("b") {
		two[k] = v
	}
	for _, c := range []struct {
		name string
		fsys fs.FS
		want string
		err  string
	}{
		{"top", miniHAR(""), ".", ""},
		{"one folder", miniHAR("UCI HAR Dataset"), "UCI HAR Dataset", ""},
		{"too deep", miniHAR("x/UCI HAR Dataset"), "", errNoHAR.Error()},
		{"two folders", two, "", "2 UCI HAR layouts found (a, b): name one"},
		{"only __MACOSX", fstest.MapFS{"__MACOSX/train/y_train.txt": {Data: []byte("1\n")}}, "", errNoHAR.Error()},
	} {
		got, err := findHARRoot(c.fsys)
		if got != c.want || (err == nil) != (c.err == "") || (err != nil && err.Error() != c.err) {
			t.Errorf("%s: got %q, %v; want %q, %q", c.name, got, err, c.want, c.err)
		}
	}
}

// lyingFS reports every file's size as 1 byte, so that only counting the
// bytes as they are read can catch a file over the limit.
type lyingFS struct{ fstest.MapFS }

type lyingFile struct{ fs.File }
type lyingInfo struct{ fs.FileInfo }

func (f lyingFS) Open(name string) (fs.File, error) {
	file, err := f.MapFS.Open(name)
	if err != nil {
		return nil, err
	}
	return lyingFile{file}, nil
}
func (f lyingFile) Stat() (fs.FileInfo, error) {
	st, err := f.File.Stat()
	return lyingInfo{st}, err
}
func (lyingInfo) Size() int64 { return 1 }

func TestReadHARLimits(t *testing.T) {
	fsys := miniHAR("")
	for _, c := range []struct {
		name        string
		fsys        fs.FS
		file, total int64
		want        string
	}{
		{"size from stat", fsys, 100, 1 << 30,
			`train/Inertial Signals/body_acc_x_train.txt: larger than the limit of 100 bytes per file (195 bytes)`},
		{"size counted while reading", lyingFS{fsys}, 100, 1 << 30,
			`train/Inertial Signals/body_acc_x_train.txt:1: larger than the limit of 100 bytes per file`},
		{"total", fsys, 1 << 20, 300,
			`train/Inertial Signals/body_acc_y_train.txt:1: larger than the limit of 300 bytes for all files together`},
	} {
		t.Run(c.name, func(t *testing.T) {
			setLimits(t, c.file, c.total)
			s, err := ReadHAR(c.fsys, "")
			if s != nil || err == nil || err.Error() != c.want || !errors.Is(err, ErrTooLarge) {
				t.Errorf("got %v, %v\nwant nil, %s", s != nil, err, c.want)
			}
		})
	}
}

// TestLoadDirNamesPaths checks that Load of a directory names it in its
// errors: a bad value by the file's path under the directory given, a
// directory without the layout by its own path.
func TestLoadDirNamesPaths(t *testing.T) {
	dir := t.TempDir()
	for name, f := range miniHAR("") {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		b := f.Data
		if name == bax {
			b = []byte(replaceField(2, 3, "1e39")(string(b)))
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Load(dir)
	want := filepath.Join(dir, "train", "Inertial Signals", "body_acc_x_train.txt") + `:2: field 3: "1e39" is out of float32 range`
	if err == nil || err.Error() != want || !errors.Is(err, ErrRange) {
		t.Errorf("bad value: %v, want %s", err, want)
	}
	empty := t.TempDir()
	_, err = Load(empty)
	if want := empty + ": " + errNoHAR.Error(); err == nil || err.Error() != want || !errors.Is(err, errNoHAR) {
		t.Errorf("no layout: %v, want %s", err, want)
	}
}
