// Command mkembedded regenerates the embedded default dataset of package
// data from a UCI HAR folder (or zip):
//
//	go run ./data/internal/mkembedded -har "PATH/UCI HAR Dataset" -out data/embedded
//
// It writes data/embedded/uci-har-subset.bin: the class-balanced subset
// chosen by data.EmbeddedSubset, in the binary format of data.EncodeSplit.
// The output depends only on the input data: running it twice gives the same
// bytes, and the data package's tests check the committed file against a
// fresh encoding when the shared UCI HAR copy is present.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/cgru/cgru/data"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("mkembedded: ")
	har := flag.String("har", "", "UCI HAR Dataset folder or zip (required)")
	out := flag.String("out", "data/embedded", "output folder")
	flag.Parse()
	if *har == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	full, err := data.Load(*har)
	if err != nil {
		log.Fatal(err)
	}
	b, err := data.EncodeEmbedded(full)
	if err != nil {
		log.Fatal(err)
	}
	p := filepath.Join(*out, "uci-har-subset.bin")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		log.Fatal(err)
	}
	s, err := data.DecodeSplit(b, p)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %s: %d bytes, %d train and %d test windows (%v / %v per class)\n",
		p, len(b), s.Train.Len(), s.Test.Len(), s.Train.ClassCounts(), s.Test.ClassCounts())
}
