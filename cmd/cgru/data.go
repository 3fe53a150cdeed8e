package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/cgru/cgru/data"
	"github.com/cgru/cgru/internal/words"
)

// dataSummary is the --json output of cgru data.
type dataSummary struct {
	Source     string         `json:"source"`
	Channels   []string       `json:"channels"`
	T          int            `json:"length"`
	ClassNames []string       `json:"classes"`
	Splits     []splitSummary `json:"splits"`
}

type splitSummary struct {
	Split       string           `json:"split"`
	Name        string           `json:"name"`
	Windows     int              `json:"windows"`
	ClassCounts []int            `json:"class_counts"` // indexed like classes
	Subjects    []subjectCount   `json:"subjects"`
	Ranges      []channelSummary `json:"channels"` // indexed like channels
}

type subjectCount struct {
	Subject int `json:"subject"`
	Windows int `json:"windows"`
}

type channelSummary struct {
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
}

func summariseSplit(split string, d *data.Dataset) splitSummary {
	s := splitSummary{Split: split, Name: d.Name, Windows: d.Len(), ClassCounts: d.ClassCounts(), Subjects: []subjectCount{}}
	subj, cnt := d.SubjectCounts()
	for i := range subj {
		s.Subjects = append(s.Subjects, subjectCount{subj[i], cnt[i]})
	}
	nc := len(d.Channels)
	s.Ranges = make([]channelSummary, nc)
	if d.Len() == 0 {
		return s
	}
	n := float64(d.Len() * d.T)
	for c := range nc {
		lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
		for i := c; i < len(d.X); i += nc {
			v := float64(d.X[i])
			lo, hi, sum = min(lo, v), max(hi, v), sum+v
		}
		mean, sq := sum/n, 0.0
		for i := c; i < len(d.X); i += nc {
			e := float64(d.X[i]) - mean
			sq += e * e
		}
		s.Ranges[c] = channelSummary{Min: lo, Max: hi, Mean: mean, Std: math.Sqrt(sq / n)}
	}
	return s
}

// runData is "cgru data": what a dataset holds.
func runData(args []string, stdout io.Writer) error {
	fs := newFlags("data", "--data PATH|embedded [--list] [--json]",
		"Load a dataset and summarise it: channels, window length, and for each split the\n"+
			"windows per class and per subject and the value range of each channel.\n"+
			"PATH is a UCI HAR folder (\"UCI HAR Dataset\" or its parent), the UCI zip, a CSV\n"+
			"file in cgru's CSV format, or \"embedded\" for the built-in UCI HAR subset.\n"+
			"--list prints one line per window instead: split, ID, subject, class (the IDs\n"+
			"that cgru compare takes).")
	path := fs.String("data", "", "dataset: UCI HAR folder or zip, CSV file, or \"embedded\" (required)")
	list := fs.Bool("list", false, "list the windows (split, id, subject, class) instead of the summary")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *path == "" {
		return usageErrorf(fs, "--data is required (a path, or \"embedded\")")
	}
	s, err := data.Load(*path)
	if err != nil {
		return err
	}
	if *list {
		return listWindows(stdout, s, *asJSON)
	}
	sum := dataSummary{Source: *path, Channels: s.Train.Channels, T: s.Train.T, ClassNames: s.Train.ClassNames,
		Splits: []splitSummary{summariseSplit("train", s.Train), summariseSplit("test", s.Test)}}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	return writeDataSummary(stdout, &sum)
}

func writeDataSummary(w io.Writer, s *dataSummary) error {
	var b strings.Builder
	fmt.Fprintf(&b, "source    %s\n", s.Source)
	fmt.Fprintf(&b, "channels  %d: %s\n", len(s.Channels), strings.Join(s.Channels, " "))
	fmt.Fprintf(&b, "length    %d time steps per window\n", s.T)
	fmt.Fprintf(&b, "classes   %d\n\n", len(s.ClassNames))
	width := 5
	for _, c := range s.ClassNames {
		width = max(width, len(c))
	}
	fmt.Fprintf(&b, "%-*s", width+2, "class")
	for _, sp := range s.Splits {
		fmt.Fprintf(&b, " %8s", sp.Split)
	}
	b.WriteString("\n")
	for k, c := range s.ClassNames {
		fmt.Fprintf(&b, "%-*s", width+2, c)
		for _, sp := range s.Splits {
			fmt.Fprintf(&b, " %8d", sp.ClassCounts[k])
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%-*s", width+2, "total")
	for _, sp := range s.Splits {
		fmt.Fprintf(&b, " %8d", sp.Windows)
	}
	b.WriteString("\n")
	for _, sp := range s.Splits {
		if sp.Windows == 0 {
			// No table of zeros for an empty split (a CSV without test rows).
			fmt.Fprintf(&b, "\n%s: no %s windows\n", sp.Split, sp.Split)
			continue
		}
		fmt.Fprintf(&b, "\n%s: %s, %s (subject:windows)\n ", sp.Split, words.Count(sp.Windows, "window"), words.Count(len(sp.Subjects), "subject"))
		for i, sc := range sp.Subjects {
			if i > 0 && i%10 == 0 {
				b.WriteString("\n ")
			}
			fmt.Fprintf(&b, " %d:%d", sc.Subject, sc.Windows)
		}
		fmt.Fprintf(&b, "\n  %-14s %12s %12s %12s %12s\n", "channel", "min", "max", "mean", "std")
		for c, r := range sp.Ranges {
			fmt.Fprintf(&b, "  %-14s %12.5g %12.5g %12.5g %12.5g\n", s.Channels[c], r.Min, r.Max, r.Mean, r.Std)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// windowEntry is one line of cgru data --list.
type windowEntry struct {
	Split   string `json:"split"`
	ID      string `json:"id"`
	Subject int    `json:"subject"`
	Class   string `json:"class"`
}

// listWindows prints every window of both splits, as text or JSON lines.
func listWindows(w io.Writer, s *data.Split, asJSON bool) error {
	var b strings.Builder
	if !asJSON {
		b.WriteString("split\tid\tsubject\tclass\n")
	}
	for _, sp := range []struct {
		name string
		d    *data.Dataset
	}{{"train", s.Train}, {"test", s.Test}} {
		for i := range sp.d.Len() {
			e := windowEntry{sp.name, sp.d.IDs[i], sp.d.Subjects[i], classOf(sp.d.ClassNames, sp.d.Labels[i])}
			if asJSON {
				j, _ := json.Marshal(e)
				b.Write(append(j, '\n'))
			} else {
				fmt.Fprintf(&b, "%s\t%s\t%d\t%s\n", e.Split, e.ID, e.Subject, e.Class)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
