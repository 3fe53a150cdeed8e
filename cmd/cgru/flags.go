package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

// stderr receives usage messages; run sets it (tests pass a buffer).
var stderr io.Writer = os.Stderr

// newFlags returns a flag set for one command. synopsis is the usage line
// after "cgru <name>", about a paragraph describing what the command does.
// Flag errors print the usage to stderr.
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
// (after printing the usage to stdout), errUsage for a bad flag or for
// positional arguments (after printing the usage to stderr).
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(stdout)
			fs.Usage()
			return flag.ErrHelp
		}
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "cgru %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

// usageErrorf prints a usage error for the command and returns errUsage.
func usageErrorf(fs *flag.FlagSet, format string, a ...any) error {
	fmt.Fprintf(fs.Output(), "cgru %s: %s\n", fs.Name(), fmt.Sprintf(format, a...))
	fs.Usage()
	return errUsage
}
