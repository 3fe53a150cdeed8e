//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// main explains that this program runs in a browser.
func main() {
	fmt.Fprintln(os.Stderr, "cgru wasm: this is the engine of the web page; it runs in a browser's Web Worker.\n"+
		"Build it with ./build.sh (GOOS=js GOARCH=wasm) and serve the page with ./build.sh serve.")
	os.Exit(2)
}
