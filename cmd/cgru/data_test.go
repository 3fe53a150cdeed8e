package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestRunDataEmbedded(t *testing.T) {
	var out bytes.Buffer
	if err := runData([]string{"--data", "embedded"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"channels  9: body_acc_x", "length    128 time steps", "WALKING_UPSTAIRS", "total                     432      216",
		"train: 432 windows, 21 subjects", "test: 216 windows, 9 subjects", "total_acc_z"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := runData([]string{"--data", "embedded", "--json"}, &out); err != nil {
		t.Fatal(err)
	}
	var s dataSummary
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if s.T != 128 || len(s.Channels) != 9 || len(s.Splits) != 2 || s.Splits[0].Windows != 432 || s.Splits[1].ClassCounts[5] != 36 ||
		len(s.Splits[0].Subjects) != 21 || !(s.Splits[0].Ranges[6].Min < s.Splits[0].Ranges[6].Max) {
		t.Errorf("summary %+v", s)
	}
}

func TestRunDataErrors(t *testing.T) {
	var out bytes.Buffer
	if err := runData(nil, &out); !errors.Is(err, errUsage) {
		t.Errorf("no --data: got %v, want errUsage", err)
	}
	if err := runData([]string{"--data", "/nonexistent/x.csv"}, &out); err == nil || errors.Is(err, errUsage) {
		t.Errorf("missing file: got %v", err)
	}
}

func TestRunDataList(t *testing.T) {
	var out bytes.Buffer
	if err := runData([]string{"--data", "embedded", "--list"}, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 1+432+216 || lines[0] != "split\tid\tsubject\tclass" {
		t.Fatalf("%d lines, header %q; want 649 and the header", len(lines), lines[0])
	}
	// The test windows follow the 432 train windows.
	f := strings.Split(lines[433], "\t")
	if f[0] != "test" || !strings.HasPrefix(f[1], "test/") {
		t.Fatalf("line 433 %q: want the first test window", lines[433])
	}
	out.Reset()
	if err := runData([]string{"--data", "embedded", "--list", "--json"}, &out); err != nil {
		t.Fatal(err)
	}
	var e windowEntry
	if err := json.Unmarshal([]byte(strings.SplitN(out.String(), "\n", 2)[0]), &e); err != nil || e.Split != "train" || e.ID == "" || e.Class == "" {
		t.Errorf("first JSON line: %+v (%v)", e, err)
	}
}

// TestRunDataNoTestWindows checks that a dataset without test windows gets
// "test: no test windows" rather than a table of zeros, and that a folder
// without the UCI HAR layout is named in the error.
func TestRunDataNoTestWindows(t *testing.T) {
	csv := writeTemp(t, "train.csv", "window,split,subject,label,a\nw1,train,1,up,1\nw2,train,1,down,2\n")
	var out bytes.Buffer
	if err := runData([]string{"--data", csv}, &out); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.HasSuffix(s, "\ntest: no test windows\n") || !strings.Contains(s, "train: 2 windows, 1 subject (") {
		t.Errorf("output:\n%s", s)
	}
	dir := t.TempDir()
	if err := runData([]string{"--data", dir}, &out); err == nil || !strings.HasPrefix(err.Error(), dir+": no UCI HAR layout found") {
		t.Errorf("empty folder: %v", err)
	}
}
