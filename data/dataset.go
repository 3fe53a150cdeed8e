package data

import (
	"fmt"
	"slices"
)

// Dataset is one split of a dataset: N windows of T time steps of
// len(Channels) channels, with a class label and a subject per window.
//
// X holds the values flat as [window][time][channel]: value (i, t, c) is
// X[(i*T+t)*len(Channels)+c]. Labels are 0-based indices into ClassNames.
// Subjects identify the person recorded (UCI HAR: 1..30). IDs name each
// window in its source (UCI HAR: "train/17" is line 17 of the train files).
// len(Labels) == len(Subjects) == len(IDs) == N and len(X) == N*T*len(Channels).
type Dataset struct {
	Name       string
	Channels   []string
	T          int
	X          []float32
	Labels     []int
	Subjects   []int
	ClassNames []string
	IDs        []string
}

// Split is a dataset with its training and test windows. Both splits have
// the same channels, window length and class names.
type Split struct {
	Train, Test *Dataset
}

// Len returns the number of windows.
func (d *Dataset) Len() int { return len(d.Labels) }

// Window returns window i as a [T][channel] slice of d.X (not a copy; its
// capacity ends with the window). It panics if i is out of range.
func (d *Dataset) Window(i int) []float32 {
	n := d.T * len(d.Channels)
	return d.X[i*n : (i+1)*n : (i+1)*n]
}

// Subset returns a new dataset holding copies of windows idx, in that order
// (an index may repeat). It panics if an index is out of range.
func (d *Dataset) Subset(idx []int) *Dataset {
	n := d.T * len(d.Channels)
	s := &Dataset{
		Name:       d.Name,
		Channels:   slices.Clone(d.Channels),
		T:          d.T,
		X:          make([]float32, 0, len(idx)*n),
		Labels:     make([]int, len(idx)),
		Subjects:   make([]int, len(idx)),
		ClassNames: slices.Clone(d.ClassNames),
		IDs:        make([]string, len(idx)),
	}
	for k, i := range idx {
		if i < 0 || i >= d.Len() {
			panic(fmt.Sprintf("data: Subset index %d out of range [0,%d)", i, d.Len()))
		}
		s.X = append(s.X, d.Window(i)...)
		s.Labels[k] = d.Labels[i]
		s.Subjects[k] = d.Subjects[i]
		s.IDs[k] = d.IDs[i]
	}
	return s
}

// Clone returns a deep copy of d.
func (d *Dataset) Clone() *Dataset {
	return &Dataset{
		Name:       d.Name,
		Channels:   slices.Clone(d.Channels),
		T:          d.T,
		X:          slices.Clone(d.X),
		Labels:     slices.Clone(d.Labels),
		Subjects:   slices.Clone(d.Subjects),
		ClassNames: slices.Clone(d.ClassNames),
		IDs:        slices.Clone(d.IDs),
	}
}

// ClassCounts returns the number of windows of each class, indexed like
// ClassNames.
func (d *Dataset) ClassCounts() []int {
	c := make([]int, len(d.ClassNames))
	for _, l := range d.Labels {
		c[l]++
	}
	return c
}

// SubjectCounts returns the subjects present, ascending, and the number of
// windows of each.
func (d *Dataset) SubjectCounts() (subjects, counts []int) {
	m := map[int]int{}
	for _, s := range d.Subjects {
		m[s]++
	}
	for s := range m {
		subjects = append(subjects, s)
	}
	slices.Sort(subjects)
	counts = make([]int, len(subjects))
	for i, s := range subjects {
		counts[i] = m[s]
	}
	return subjects, counts
}

// Check reports whether d satisfies the invariants documented on Dataset:
// consistent lengths, labels inside ClassNames, at least one channel and
// T ≥ 1. Readers return only datasets that pass it.
func (d *Dataset) Check() error {
	switch {
	case len(d.Channels) == 0:
		return fmt.Errorf("data: %s: no channels", d.Name)
	case d.T < 1:
		return fmt.Errorf("data: %s: window length %d", d.Name, d.T)
	case len(d.Subjects) != len(d.Labels) || len(d.IDs) != len(d.Labels):
		return fmt.Errorf("data: %s: %d labels, %d subjects, %d ids", d.Name, len(d.Labels), len(d.Subjects), len(d.IDs))
	case len(d.X) != len(d.Labels)*d.T*len(d.Channels):
		return fmt.Errorf("data: %s: %d values, want %d windows × %d × %d", d.Name, len(d.X), len(d.Labels), d.T, len(d.Channels))
	}
	for i, l := range d.Labels {
		if l < 0 || l >= len(d.ClassNames) {
			return fmt.Errorf("data: %s: window %d: label %d outside [0,%d)", d.Name, i, l, len(d.ClassNames))
		}
	}
	return nil
}

// Check reports whether both splits pass Dataset.Check and agree on
// channels, window length and class names.
func (s *Split) Check() error {
	if s.Train == nil || s.Test == nil {
		return fmt.Errorf("data: split without train or test")
	}
	if err := s.Train.Check(); err != nil {
		return err
	}
	if err := s.Test.Check(); err != nil {
		return err
	}
	if !slices.Equal(s.Train.Channels, s.Test.Channels) || s.Train.T != s.Test.T || !slices.Equal(s.Train.ClassNames, s.Test.ClassNames) {
		return fmt.Errorf("data: train and test differ in channels, length or classes")
	}
	return nil
}

// Clone returns a deep copy of s.
func (s *Split) Clone() *Split { return &Split{Train: s.Train.Clone(), Test: s.Test.Clone()} }
