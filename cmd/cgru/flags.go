package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// stderr receives usage messages; run sets it (tests pass a buffer).
var stderr io.Writer = os.Stderr

// newFlags returns a flag set for one command. synopsis is the usage line
// after "cgru <name>", about a paragraph describing what the command does.
// Its Usage prints all of it with the flags (--help); a usage error prints
// one line and where the flags are (see usageErrorf).
func newFlags(name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: cgru %s %s\n\n%s\n\nflags:\n", name, synopsis, about)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs. It returns flag.ErrHelp for -h/--help
// (after printing the usage and the flags to stdout), errUsage for a bad
// flag or for positional arguments (after printing the error, one line,
// to stderr, with where the flags are).
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(stdout)
			fs.Usage()
			return flag.ErrHelp
		}
	}
	// The flag package prints its error and the whole usage: quiet it, and
	// print the error as usageErrorf does.
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	if err != nil {
		return usageErrorf(fs, "%v", err)
	}
	if fs.NArg() > 0 {
		return usageErrorf(fs, "unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// usageErrorf prints a usage error for the command, one line, and where its
// flags are described, to stderr; it returns errUsage (exit status 2).
func usageErrorf(fs *flag.FlagSet, format string, a ...any) error {
	fmt.Fprintf(fs.Output(), "cgru %s: %s\nrun 'cgru %s --help' for the flags\n", fs.Name(), fmt.Sprintf(format, a...), fs.Name())
	return errUsage
}

// parseList parses "from:to:step" (to included, up to a rounding of
// step/1000) or a comma list of finite numbers in [lo, hi] (hi may be
// +Inf), at most 1000; the values of a range are rounded to 12
// significant digits, so that 0.1 steps give 0.3, not 0.30000000000000004.
func parseList(s string, lo, hi float64) ([]float64, error) {
	const most = 1000
	num := func(t string) (float64, error) {
		t = strings.TrimSpace(t)
		v, err := strconv.ParseFloat(t, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("%q is not a finite number", t)
		}
		switch {
		case v < lo && math.IsInf(hi, 1):
			return 0, fmt.Errorf("%g is below %g", v, lo)
		case v < lo || v > hi:
			return 0, fmt.Errorf("%g is outside [%g, %g]", v, lo, hi)
		}
		return v, nil
	}
	var out []float64
	if strings.Contains(s, ":") {
		parts := strings.Split(s, ":")
		if len(parts) != 3 {
			return nil, errors.New(`want "from:to:step"`)
		}
		var v [3]float64
		for k, p := range parts {
			var err error
			if v[k], err = num(p); err != nil && k < 2 {
				return nil, err
			}
			if k == 2 {
				if v[k], err = strconv.ParseFloat(strings.TrimSpace(p), 64); err != nil || !(v[k] > 0) || math.IsInf(v[k], 0) {
					return nil, fmt.Errorf("step %q: want a number > 0", strings.TrimSpace(p))
				}
			}
		}
		from, to, step := v[0], v[1], v[2]
		if to < from {
			return nil, fmt.Errorf("to %g is below from %g", to, from)
		}
		n := int(math.Floor((to-from)/step+1e-3)) + 1
		if n > most {
			return nil, fmt.Errorf("%d values; at most %d", n, most)
		}
		for k := 0; k < n; k++ {
			out = append(out, roundSig(from+float64(k)*step, 12))
		}
		return out, nil
	}
	for _, p := range strings.Split(s, ",") {
		v, err := num(p)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if len(out) > most {
		return nil, fmt.Errorf("%d values; at most %d", len(out), most)
	}
	return out, nil
}

func roundSig(v float64, digits int) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', digits, 64), 64)
	return r
}
