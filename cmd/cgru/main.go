// Command cgru trains, evaluates and inspects siamese (SGRU) and coupled (CGRU)
// recurrent networks for sequence metric learning.
//
// Usage:
//
//	cgru <command> [flags]
//
// Commands:
//
//	distance  distances of sequence pairs under a model file
//	grad      loss, pair distances and parameter gradients of one batch
//	bench     time one training step of a class-balanced batch
//	train     train an SGRU or a CGRU with the paper's protocol
//	eval      1-NN accuracy, macro F1, MAP and confusion matrix on a split
//	compare   distance and step-by-step hidden states of two windows
//	noise     mean positive and negative distances under Gaussian noise
//	report    the paper's figures (PNG, SVG) and table (Markdown) in one folder
//	data      summarise a dataset (UCI HAR folder or zip, CSV, or the embedded subset)
//	baseline  1-NN with DTW, RVSML-DTW or RVSML-OPW, scored as eval
//	sync      the synchronization lab: Lyapunov exponents, coupled pairs, thresholds, the learned gate
//
// Run "cgru <command> --help" for the flags of a command. Usage errors exit
// with status 2, other failures with status 1.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"sort"
)

// command is one sub-command: its one-line summary and its entry point. run
// gets the arguments after the command name and writes its result to stdout.
type command struct {
	summary string
	run     func(args []string, stdout io.Writer) error
}

var commands = map[string]command{
	"distance": {"distances of sequence pairs under a model file", runDistance},
	"grad":     {"loss, pair distances and parameter gradients of one batch", runGrad},
	"bench":    {"time one training step of a class-balanced batch", runBench},
	"data":     {"summarise a dataset (UCI HAR folder or zip, CSV, or the embedded subset)", runData},
	"train":    {"train an SGRU or a CGRU with the paper's protocol", runTrain},
	"eval":     {"1-NN accuracy, macro F1, MAP and confusion matrix on a split", runEval},
	"compare":  {"distance and step-by-step hidden states of two windows", runCompare},
	"noise":    {"mean positive and negative distances under Gaussian noise", runNoise},
	"report":   {"the paper's figures and table from models, evaluations and noise runs", runReport},
	"baseline": {"1-NN with DTW, RVSML-DTW or RVSML-OPW: the paper's baselines, scored as eval", runBaseline},
	"sync":     {"the synchronization lab: Lyapunov exponents, coupled pairs, thresholds, the learned gate", runSync},
}

// errUsage marks a usage error: the message has been printed with the
// command's usage and the process exits with status 2.
var errUsage = errors.New("usage error")

func usage(w io.Writer) {
	fmt.Fprintf(w, "cgru: siamese and coupled GRUs for sequence metric learning\n\n")
	fmt.Fprintf(w, "usage: cgru <command> [flags]\n\ncommands:\n")
	listCommands(w, commands)
	fmt.Fprintf(w, "\nrun 'cgru <command> --help' for a command's flags\n")
}

// listCommands prints the names and summaries of cs, a line each, in the
// order of the names (the usage of cgru and of cgru sync).
func listCommands(w io.Writer, cs map[string]command) {
	names := make([]string, 0, len(cs))
	for n := range cs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, cs[n].summary)
	}
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("cgru: ")
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command line and returns the process exit status.
func run(args []string, stdout, errw io.Writer) int {
	stderr = errw
	log.SetOutput(errw)
	if len(args) == 0 {
		usage(errw)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		log.Printf("unknown command %q", args[0])
		usage(errw)
		return 2
	}
	err := cmd.run(args[1:], stdout)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, errInterrupted):
		return 130
	default:
		log.Printf("%s: %v", args[0], err)
		return 1
	}
}
