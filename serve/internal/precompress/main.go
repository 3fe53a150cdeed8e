// Command precompress writes gzip and brotli versions next to the files
// of a built site, for cgru-serve to send to browsers that accept them
// (build.sh runs it on serve/webroot/).
//
// Usage:
//
//	go run ./serve/internal/precompress [-quality 9] DIR
//
// Text, JSON, WebAssembly and SVG files of at least 512 bytes get NAME.gz
// (gzip, best compression) and NAME.br (brotli) when that saves at least
// 5%; stale variants of other files are removed. The output depends only
// on the input.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

var compressible = map[string]bool{".html": true, ".js": true, ".mjs": true, ".css": true, ".wasm": true,
	".json": true, ".map": true, ".svg": true, ".txt": true}

func main() {
	log.SetFlags(0)
	log.SetPrefix("precompress: ")
	quality := flag.Int("quality", 9, "brotli quality (0–11; 11 saves about 5% more and takes ten times longer)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: precompress [-quality 9] DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	dir := flag.Arg(0)
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if strings.HasSuffix(p, ".gz") || strings.HasSuffix(p, ".br") {
			return os.Remove(p) // rewritten below when still wanted
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	var (
		wg            sync.WaitGroup
		mu            sync.Mutex
		raw, gzN, brN int64
		failed        error
	)
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			log.Fatal(err)
		}
		if !compressible[strings.ToLower(filepath.Ext(p))] || len(b) < 512 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			gz, br, err := compress(b, *quality)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed = fmt.Errorf("%s: %v", p, err)
				return
			}
			raw += int64(len(b))
			for _, v := range []struct {
				ext  string
				data []byte
				n    *int64
			}{{".gz", gz, &gzN}, {".br", br, &brN}} {
				if len(v.data) > len(b)*95/100 {
					*v.n += int64(len(b))
					continue
				}
				*v.n += int64(len(v.data))
				if err := os.WriteFile(p+v.ext, v.data, 0o644); err != nil {
					failed = err
				}
			}
		}()
	}
	wg.Wait()
	if failed != nil {
		log.Fatal(failed)
	}
	fmt.Printf("precompress: %s: %.2f MB of compressible files → gzip %.2f MB, brotli %.2f MB\n",
		dir, mb(raw), mb(gzN), mb(brN))
}

func compress(b []byte, quality int) (gz, br []byte, err error) {
	var g bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&g, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		return nil, nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, nil, err
	}
	var r bytes.Buffer
	bw := brotli.NewWriterOptions(&r, brotli.WriterOptions{Quality: quality, LGWin: 24})
	if _, err := bw.Write(b); err != nil {
		return nil, nil, err
	}
	if err := bw.Close(); err != nil {
		return nil, nil, err
	}
	return g.Bytes(), r.Bytes(), nil
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }
