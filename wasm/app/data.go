package app

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"math"
	"path"
	"strings"
	"testing/fstest"
	"time"

	"github.com/cgru/cgru/data"
)

// dataset is the loaded data: the split and how the page names it.
type dataset struct {
	split  *data.Split
	source string // "embedded", or the uploaded file or folder name
	title  string // what the page shows
	id     string // fingerprint of the values, labels and subjects
	sum    *Summary
}

func newDataset(s *data.Split, source, title string) *dataset {
	d := &dataset{split: s, source: source, title: title}
	h := fnv.New64a()
	for _, ds := range []*data.Dataset{s.Train, s.Test} {
		fmt.Fprint(h, ds.T, ds.Channels, ds.ClassNames, ds.Labels, ds.Subjects, ds.IDs)
		var b [4]byte
		for _, v := range ds.X {
			u := math.Float32bits(v)
			b[0], b[1], b[2], b[3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
			h.Write(b[:])
		}
	}
	d.id = fmt.Sprintf("%016x", h.Sum64())
	return d
}

// Summary describes the loaded data for the page: sizes, windows per class
// and subject, and every window's ID, class and subject (for the pickers).
type Summary struct {
	Source     string       `json:"source"` // "embedded" or the uploaded name
	Title      string       `json:"title"`
	ID         string       `json:"id"` // fingerprint: runs remember the data they were trained on
	Channels   []string     `json:"channels"`
	T          int          `json:"T"`
	ClassNames []string     `json:"class_names"`
	Train      SplitSummary `json:"train"`
	Test       SplitSummary `json:"test"`
	Embedded   bool         `json:"embedded"`
}

// SplitSummary describes one split.
type SplitSummary struct {
	N             int       `json:"n"`
	ClassCounts   []int     `json:"class_counts"`
	Subjects      []int     `json:"subjects"`       // ascending
	SubjectCounts []int     `json:"subject_counts"` // windows per subject
	ByClass       [][]int   `json:"by_subject_class"`
	IDs           []string  `json:"ids"`
	Labels        []int     `json:"labels"`
	WindowSubject []int     `json:"window_subjects"`
	Min           []float32 `json:"min"` // per channel
	Max           []float32 `json:"max"`
}

func (d *dataset) summary() *Summary {
	if d.sum != nil {
		return d.sum
	}
	s := d.split
	d.sum = &Summary{Source: d.source, Title: d.title, ID: d.id, Channels: s.Train.Channels, T: s.Train.T,
		ClassNames: s.Train.ClassNames, Train: splitSummary(s.Train), Test: splitSummary(s.Test),
		Embedded: d.source == data.EmbeddedName}
	return d.sum
}

func splitSummary(d *data.Dataset) SplitSummary {
	subj, counts := d.SubjectCounts()
	ss := SplitSummary{N: d.Len(), ClassCounts: d.ClassCounts(), Subjects: subj, SubjectCounts: counts,
		IDs: d.IDs, Labels: d.Labels, WindowSubject: d.Subjects}
	idx := map[int]int{}
	for i, s := range subj {
		idx[s] = i
	}
	ss.ByClass = make([][]int, len(subj))
	for i := range ss.ByClass {
		ss.ByClass[i] = make([]int, len(d.ClassNames))
	}
	for i, l := range d.Labels {
		ss.ByClass[idx[d.Subjects[i]]][l]++
	}
	C := len(d.Channels)
	ss.Min, ss.Max = make([]float32, C), make([]float32, C)
	for c := range C {
		ss.Min[c], ss.Max[c] = float32(math.Inf(1)), float32(math.Inf(-1))
	}
	for i, v := range d.X {
		c := i % C
		ss.Min[c] = min(ss.Min[c], v)
		ss.Max[c] = max(ss.Max[c], v)
	}
	if d.Len() == 0 {
		clear(ss.Min)
		clear(ss.Max)
	}
	return ss
}

// WindowRef names a window: its split ("train" or "test") and index.
type WindowRef struct {
	Split string `json:"split"`
	Index int    `json:"index"`
}

// splitOf returns the split called name ("train" or "test").
func (d *dataset) splitOf(name string) (*data.Dataset, error) {
	switch name {
	case "train":
		return d.split.Train, nil
	case "test":
		return d.split.Test, nil
	}
	return nil, fmt.Errorf("split %q: want train or test", name)
}

// window returns the split of a window reference, or an error when the
// reference is out of range.
func (d *dataset) window(w WindowRef) (*data.Dataset, error) {
	ds, err := d.splitOf(w.Split)
	if err != nil {
		return nil, err
	}
	if w.Index < 0 || w.Index >= ds.Len() {
		return nil, fmt.Errorf("%s window %d: the split has %d windows", w.Split, w.Index, ds.Len())
	}
	return ds, nil
}

// Window is one window's values and description.
type Window struct {
	WindowRef
	ID      string    `json:"id"`
	Label   int       `json:"label"`
	Class   string    `json:"class"`
	Subject int       `json:"subject"`
	X       []float32 `json:"x"` // [T][channel], flat
}

func (d *dataset) get(w WindowRef) (Window, error) {
	ds, err := d.window(w)
	if err != nil {
		return Window{}, err
	}
	l := ds.Labels[w.Index]
	return Window{WindowRef: w, ID: ds.IDs[w.Index], Label: l, Class: ds.ClassNames[l], Subject: ds.Subjects[w.Index],
		X: ds.Window(w.Index)}, nil
}

func init() {
	Register("data.load", opDataLoad)
	Register("data.summary", opDataSummary)
	Register("data.windows", opDataWindows)
	Register("data.gallery", opDataGallery)
	Register("data.export", opDataExport)
}

// loadArgs are the arguments of "data.load".
type loadArgs struct {
	// Name is "embedded", or the name of the upload (a file name, or a
	// folder name for a folder).
	Name string `json:"name"`
	// Title, if set, is what the page shows for the data (a restored
	// upload keeps its original title).
	Title string `json:"title"`
}

// LoadResult is the answer to "data.load".
type LoadResult struct {
	Data    *Summary   `json:"data"`
	Runs    []*RunInfo `json:"runs"`
	Seconds float64    `json:"seconds"`
	Note    string     `json:"note,omitempty"`
}

func opDataLoad(ctx context.Context, a *App, req Request) (Reply, error) {
	var arg loadArgs
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	if a.training() {
		return Reply{}, errors.New("training is running: stop it before loading other data")
	}
	start := time.Now()
	var (
		s     *data.Split
		err   error
		title string
	)
	switch {
	case arg.Name == data.EmbeddedName && len(req.Files) == 0:
		s, title = data.Embedded(), "UCI HAR, embedded subset"
	case len(req.Files) == 0:
		return Reply{}, errors.New("data.load: no file")
	case len(req.Files) == 1:
		f := req.Files[0]
		s, err = data.LoadBytes(f.Path, f.Data)
		title = f.Path
	default:
		s, err = loadFolder(req.Files)
		title = arg.Name
	}
	if err != nil {
		return Reply{}, err
	}
	if err := s.Check(); err != nil {
		return Reply{}, err
	}
	if s.Train.Len() == 0 {
		return Reply{}, fmt.Errorf("%s: no training windows", title)
	}
	if arg.Title != "" {
		title = arg.Title
	}
	if title == "" {
		title = "uploaded data"
	}
	source := arg.Name
	if source == "" {
		source = title
	}
	d := newDataset(s, source, title)
	a.mu.Lock()
	a.data = d
	var infos []*RunInfo
	for _, k := range kinds {
		r := a.runs[k]
		cfg := r.cfg
		a.runs[k] = newRun(k, cfg, d)
		infos = append(infos, a.info(a.runs[k]))
	}
	a.mu.Unlock()
	return Reply{Value: LoadResult{Data: d.summary(), Runs: infos, Seconds: time.Since(start).Seconds()}}, nil
}

// loadFolder reads the UCI HAR layout from the files of a folder (their
// paths relative to the picked or dropped folder).
func loadFolder(files []File) (*data.Split, error) {
	fsys := fstest.MapFS{}
	for _, f := range files {
		p := strings.TrimPrefix(path.Clean("/"+strings.ReplaceAll(f.Path, "\\", "/")), "/")
		if !fs.ValidPath(p) || p == "." {
			return nil, fmt.Errorf("%s: not a usable file path", f.Path)
		}
		fsys[p] = &fstest.MapFile{Data: f.Data, Mode: 0o444}
	}
	s, err := data.ReadHAR(fsys, "")
	if err != nil {
		var names []string
		for _, f := range files {
			names = append(names, f.Path)
			if len(names) == 3 {
				break
			}
		}
		if len(files) == 1 {
			return nil, err
		}
		return nil, fmt.Errorf("%w (in the %d files dropped: %s…)", err, len(files), strings.Join(names, ", "))
	}
	return s, nil
}

func opDataSummary(ctx context.Context, a *App, req Request) (Reply, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return Reply{Value: a.data.summary()}, nil
}

type windowsArgs struct {
	Windows []WindowRef `json:"windows"`
}

func opDataWindows(ctx context.Context, a *App, req Request) (Reply, error) {
	var arg windowsArgs
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	a.mu.Lock()
	d := a.data
	a.mu.Unlock()
	out := make([]Window, len(arg.Windows))
	for i, w := range arg.Windows {
		var err error
		if out[i], err = d.get(w); err != nil {
			return Reply{}, err
		}
	}
	return Reply{Value: map[string]any{"windows": out}}, nil
}

type galleryArgs struct {
	PerClass int    `json:"per_class"`
	Split    string `json:"split"`
	Seed     uint64 `json:"seed"`
}

// opDataGallery returns a few windows of every class (BalancedSubset, so
// from different subjects) for the page's small multiples.
func opDataGallery(ctx context.Context, a *App, req Request) (Reply, error) {
	arg := galleryArgs{PerClass: 4, Split: "train", Seed: 1}
	if err := args(req, &arg); err != nil {
		return Reply{}, err
	}
	if arg.PerClass < 1 || arg.PerClass > 50 {
		return Reply{}, fmt.Errorf("per_class %d: want 1 to 50", arg.PerClass)
	}
	a.mu.Lock()
	d := a.data
	a.mu.Unlock()
	ds, err := d.splitOf(arg.Split)
	if err != nil {
		return Reply{}, err
	}
	out := []Window{}
	for _, i := range data.BalancedSubset(ds, arg.PerClass, arg.Seed) {
		w, _ := d.get(WindowRef{Split: arg.Split, Index: i})
		out = append(out, w)
	}
	return Reply{Value: map[string]any{"windows": out}}, nil
}

// opDataExport returns the loaded data in the compact binary format of
// data.EncodeSplit ("data.load" and cgru --data read it back).
func opDataExport(ctx context.Context, a *App, req Request) (Reply, error) {
	a.mu.Lock()
	d := a.data
	a.mu.Unlock()
	if d.source == data.EmbeddedName {
		return Reply{Value: map[string]any{"source": d.source, "embedded": true}}, nil
	}
	b, err := data.EncodeSplit(d.split, "uploaded to the cgru page: "+d.title)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Value: map[string]any{"source": d.source, "title": d.title, "id": d.id, "bytes": len(b)}, Bytes: b}, nil
}
