package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
)

// backendFlag adds --backend to fs.
func backendFlag(fs *flag.FlagSet) *string {
	return fs.String("backend", "cpu", "engine: cpu (the pure-Go engine); webgpu arrives with the GPU engine")
}

// checkBackend refuses backends this build does not have.
func checkBackend(fs *flag.FlagSet, b string) error {
	switch b {
	case "cpu":
		return nil
	case "webgpu", "auto":
		return usageErrorf(fs, "--backend %s: the WebGPU engine is not part of this build yet; use --backend cpu", b)
	}
	return usageErrorf(fs, "--backend %q: want cpu or webgpu", b)
}

// writeJSON writes v as one line of JSON.
func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	if err != nil {
		return fmt.Errorf("writing the result: %w", err)
	}
	return nil
}
