package data

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

var macosx = map[string][]byte{
	"__MACOSX/": nil,
	"__MACOSX/UCI HAR Dataset/._activity_labels.txt": []byte("\x00\x05\x16\x07junk"),
	"__MACOSX/UCI HAR Dataset/train/._y_train.txt":   []byte("\x00\x05\x16\x07junk"),
	"__MACOSX/UCI HAR Dataset/train/y_train.txt":     []byte("99\n"),
}

func TestLoadZip(t *testing.T) {
	inner := zipOf(t, miniHAR("UCI HAR Dataset"), zip.Deflate, macosx)
	for _, c := range []struct {
		name string
		zip  []byte
	}{
		{"folder inside, deflate, __MACOSX", inner},
		{"top level, stored", zipOf(t, miniHAR(""), zip.Store, nil)},
		{"zip in a zip (UCI download)", zipOf(t, nil, zip.Store, map[string][]byte{
			"UCI HAR Dataset.names": []byte("names"), "UCI HAR Dataset.zip": inner,
			"__MACOSX/._UCI HAR Dataset.zip": []byte("junk")})},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := LoadBytes("har.zip", c.zip)
			if err != nil {
				t.Fatal(err)
			}
			checkMini(t, s)
			s, err = ReadZip(bytes.NewReader(c.zip), int64(len(c.zip)))
			if err != nil {
				t.Fatal(err)
			}
			checkMini(t, s)
			p := filepath.Join(t.TempDir(), "x.zip")
			if err := os.WriteFile(p, c.zip, 0o644); err != nil {
				t.Fatal(err)
			}
			if s, err = Load(p); err != nil {
				t.Fatal(err)
			}
			checkMini(t, s)
		})
	}
}

// lyingZip returns a zip with one deflated entry of n spaces whose headers
// claim size bytes.
func lyingZip(t *testing.T, name string, n int, size uint64) []byte {
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	data := bytes.Repeat([]byte(" "), n)
	fw.Write(data)
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: size})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	zw.Close()
	return buf.Bytes()
}

func TestLoadZipErrors(t *testing.T) {
	bomb := zipOf(t, miniHAR("UCI HAR Dataset"), zip.Deflate, nil)
	for _, c := range []struct {
		name        string
		zip         []byte
		file, total int64
		want        string
		is          error
	}{
		{"entry over the limit (header)", zipOf(t, withFile1(miniHAR(""), "train/y_train.txt", "1\n"+strings.Repeat(" ", 1<<20)+"\n"), zip.Deflate, nil), 64 << 10, 1 << 30,
			`x.zip: train/y_train.txt: larger than the limit of 65536 bytes per file (1048579 bytes)`, ErrTooLarge},
		{"bomb: header claims 100 bytes", lyingZip(t, "activity_labels.txt", 1<<20, 100), 64 << 10, 1 << 30,
			`x.zip: activity_labels.txt: the zip is damaged (zip: not a valid zip file): download or copy it again`, zip.ErrFormat},
		{"bomb: header claims 60 kB", lyingZip(t, "activity_labels.txt", 10<<20, 60<<10), 64 << 10, 1 << 30,
			`x.zip: activity_labels.txt: the zip is damaged (zip: not a valid zip file): download or copy it again`, zip.ErrFormat},
		{"all entries over the total", bomb, 1 << 20, 200,
			`x.zip: UCI HAR Dataset/train/Inertial Signals/body_acc_x_train.txt:1: larger than the limit of 200 bytes for all files together`, ErrTooLarge},
		{"inner zip over the limit", zipOf(t, nil, zip.Deflate, map[string][]byte{"a.zip": append(bomb, make([]byte, 70<<10)...)}), 64 << 10, 1 << 30,
			`x.zip: a.zip: larger than the limit of 65536 bytes per file (78108 bytes)`, ErrTooLarge},
		{"no layout", zipOf(t, nil, zip.Deflate, map[string][]byte{"readme.txt": []byte("hi")}), 1 << 20, 1 << 30,
			"x.zip: " + errNoHAR.Error(), errNoHAR},
		{"layout only under __MACOSX", zipOf(t, nil, zip.Deflate, map[string][]byte{"__MACOSX/y/train/y_train.txt": []byte("1\n")}), 1 << 20, 1 << 30,
			"x.zip: " + errNoHAR.Error(), errNoHAR},
		{"error inside the inner zip", zipOf(t, nil, zip.Store, map[string][]byte{"inner.zip": zipOf(t, withFile1(miniHAR(""), "test/y_test.txt", "1\n9\n"), zip.Deflate, nil)}), 1 << 20, 1 << 30,
			`x.zip: inner.zip: test/y_test.txt:2: field 1: label 9 is outside the label table (1..6 in activity_labels.txt)`, ErrLabel},
		{"a bad value in the folder of a zip in a zip", zipOf(t, nil, zip.Store, map[string][]byte{"UCI HAR Dataset.zip": zipOf(t,
			withFile1(miniHAR("UCI HAR Dataset"), "UCI HAR Dataset/train/Inertial Signals/body_gyro_y_train.txt", miniText("train", 0, 0, 4)+" 1.0 x7 2.0\n"),
			zip.Deflate, nil)}), 1 << 20, 1 << 30,
			`x.zip: UCI HAR Dataset.zip: UCI HAR Dataset/train/Inertial Signals/body_gyro_y_train.txt:1: field 3: "x7" is not a number`, ErrNotNumber},
		{"damaged zip", []byte("PK\x03\x04 not really"), 1 << 20, 1 << 30,
			`x.zip: the zip is damaged (zip: not a valid zip file): download or copy it again`, ErrFormat},
		{"checksum mismatch (stored)", corrupt(t, zipOf(t, miniHAR("UCI HAR Dataset"), zip.Store, nil), "UCI HAR Dataset/train/y_train.txt", '6', '5'), 1 << 20, 1 << 30,
			`x.zip: UCI HAR Dataset/train/y_train.txt: the zip is damaged (zip: checksum error): download or copy it again`, zip.ErrChecksum},
		{"checksum mismatch (inner zip)", zipOf(t, nil, zip.Store, map[string][]byte{"UCI HAR Dataset.zip": corrupt(t, zipOf(t, miniHAR("UCI HAR Dataset"), zip.Store, nil),
			"UCI HAR Dataset/test/Inertial Signals/total_acc_z_test.txt", '2', '3')}), 1 << 20, 1 << 30,
			`x.zip: UCI HAR Dataset.zip: UCI HAR Dataset/test/Inertial Signals/total_acc_z_test.txt: the zip is damaged (zip: checksum error): download or copy it again`, ErrFormat},
		{"truncated", zipOf(t, miniHAR("UCI HAR Dataset"), zip.Deflate, nil)[:3000], 1 << 20, 1 << 30,
			`x.zip: the zip is damaged (zip: not a valid zip file): download or copy it again`, ErrFormat},
	} {
		t.Run(c.name, func(t *testing.T) {
			setLimits(t, c.file, c.total)
			s, err := LoadBytes("x.zip", c.zip)
			if s != nil {
				t.Errorf("partial result with error %v", err)
			}
			if err == nil || err.Error() != c.want || !errors.Is(err, c.is) {
				t.Errorf("error\n got %v\nwant %s (%v)", err, c.want, c.is)
			}
		})
	}
}

// withFile1 sets one file of fsys.
func withFile1(fsys fstest.MapFS, name, data string) fstest.MapFS {
	fsys[name] = &fstest.MapFile{Data: []byte(data)}
	return fsys
}

// corrupt returns z with the first byte old of the stored entry name's data
// replaced by new: its CRC-32 no longer matches.
func corrupt(t *testing.T, z []byte, name string, old, new byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name != name || f.Method != zip.Store {
			continue
		}
		off, err := f.DataOffset()
		if err != nil {
			t.Fatal(err)
		}
		i := bytes.IndexByte(z[off:off+int64(f.CompressedSize64)], old)
		if i < 0 {
			t.Fatalf("%s holds no %q", name, old)
		}
		z = bytes.Clone(z)
		z[off+int64(i)] = new
		return z
	}
	t.Fatalf("no stored entry %s", name)
	return nil
}
