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
