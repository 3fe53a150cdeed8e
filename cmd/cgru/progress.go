package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// progress reports the advance of a long task on a writer (stderr): on a
// terminal a bar redrawn in place with percentage, counts and ETA, at most
// twice a second, and erased by Done; elsewhere (a log file, a pipe, a test
// buffer) plain lines such as "eval: 45% (1200/2650), 12s, ETA 15s", at most
// one every 5 seconds, so that short tasks print nothing. All methods are
// safe for concurrent use and do nothing on a nil *progress.
type progress struct {
	mu          sync.Mutex
	w           io.Writer
	label       string
	total, done int
	tty         bool
	now         func() time.Time // the clock; tests replace it
	start, last time.Time
	lines       int // plain lines printed
	width       int // length of the bar last drawn
	finished    bool
}

// Intervals between updates: on a terminal, in plain lines.
const (
	progressTTYEvery   = 500 * time.Millisecond
	progressPlainEvery = 5 * time.Second
)

// newProgress starts reporting a task of total units under label on w.
func newProgress(w io.Writer, label string, total int) *progress {
	p := &progress{w: w, label: label, total: total, tty: isTerminal(w), now: time.Now}
	p.start = p.now()
	p.last = p.start
	return p
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Add records n more units done and redraws if it is time to.
func (p *progress) Add(n int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.done += n
	now := p.now()
	every := progressPlainEvery
	if p.tty {
		every = progressTTYEvery
	}
	if now.Sub(p.last) < every {
		return
	}
	p.last = now
	if p.tty {
		p.drawBar(now)
	} else {
		p.line(now)
	}
}

// Done ends the report: on a terminal it erases the bar; in plain mode it
// prints a last line with the time taken if any line was printed before.
// Later calls of Add and Done do nothing.
func (p *progress) Done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.finished = true
	if p.tty {
		if p.width > 0 {
			fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
		}
		return
	}
	if p.lines > 0 {
		fmt.Fprintf(p.w, "%s: done, %d in %s\n", p.label, p.done, fmtDuration(p.now().Sub(p.start)))
	}
}

// fraction returns done/total in [0, 1].
func (p *progress) fraction() float64 {
	if p.total <= 0 {
		return 0
	}
	return min(1, float64(p.done)/float64(p.total))
}

// eta is the expected time left at the rate so far ("?" before any unit).
func (p *progress) eta(now time.Time) string {
	if p.done <= 0 || p.total <= 0 {
		return "?"
	}
	el := now.Sub(p.start)
	left := time.Duration(float64(el) * float64(max(0, p.total-p.done)) / float64(p.done))
	return fmtDuration(left)
}

func (p *progress) line(now time.Time) {
	p.lines++
	fmt.Fprintf(p.w, "%s: %3.0f%% (%d/%d), %s, ETA %s\n", p.label, 100*p.fraction(), p.done, p.total,
		fmtDuration(now.Sub(p.start)), p.eta(now))
}

func (p *progress) drawBar(now time.Time) {
	const cells = 30
	f := p.fraction()
	full := int(f * cells)
	bar := strings.Repeat("█", full) + strings.Repeat("·", cells-full)
	s := fmt.Sprintf("%s [%s] %3.0f%% %d/%d  %s  ETA %s", p.label, bar, 100*f, p.done, p.total,
		fmtDuration(now.Sub(p.start)), p.eta(now))
	n := len([]rune(s))
	pad := ""
	if p.width > n {
		pad = strings.Repeat(" ", p.width-n)
	}
	fmt.Fprintf(p.w, "\r%s%s", s, pad)
	p.width = n
}

// fmtDuration writes d briefly: "850ms", "12s", "3m05s", "1h02m".
func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		s := int(d.Round(time.Second).Seconds())
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	m := int(d.Round(time.Minute).Minutes())
	return fmt.Sprintf("%dh%02dm", m/60, m%60)
}
