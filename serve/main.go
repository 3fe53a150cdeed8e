// Command cgru-serve serves cgru's web page for offline use — in a
// classroom, say — from one binary: the built site (the page, the
// WebAssembly engine with the embedded UCI HAR subset, the chart library)
// is compiled into it, so it needs no network, no other files and no
// installation.
//
// Usage:
//
//	cgru-serve [--addr 127.0.0.1:8080]
//
// By default it listens on the loopback interface only (this computer).
// --addr :8080 opens it to the local network: it then prints the
// addresses students can open. Ctrl-C (or SIGTERM) stops it after the
// requests in progress.
//
// build.sh assembles the site into serve/webroot/ (git-ignored) before
// building this command; a fresh clone holds only a placeholder there, and
// a server built from it explains that the page is not built. Files are
// served with their MIME types (application/wasm for the engine), gzip or
// brotli versions precompressed by the build, strong ETags with
// revalidation, and a content security policy that allows nothing from
// elsewhere.
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// webroot is the built site (serve/webroot/, assembled by build.sh).
//
//go:embed all:webroot
var webroot embed.FS

// defaultAddr is loopback only: the page is not visible to other machines
// unless --addr says so.
const defaultAddr = "127.0.0.1:8080"

func main() {
	log.SetFlags(0)
	log.SetPrefix("cgru-serve: ")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args, serves until ctx is done and returns the exit status:
// 0 after a clean shutdown, 1 on failure, 2 on a usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cgru-serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", defaultAddr, "address to listen on: host:port (\":8080\" for every interface, to open the page to a classroom network)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: cgru-serve [--addr host:port]\n\n"+
			"Serves cgru's web page (built into this binary) for offline use.\n"+
			"By default only this computer can open it (%s).\n\n", defaultAddr)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "cgru-serve: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	root, err := siteFS()
	if err != nil {
		fmt.Fprintln(stderr, "cgru-serve:", err)
		return 1
	}
	if err := serve(ctx, *addr, root, stdout); err != nil {
		fmt.Fprintln(stderr, "cgru-serve:", err)
		return 1
	}
	return 0
}

// siteFS returns the embedded site.
func siteFS() (fs.FS, error) { return fs.Sub(webroot, "webroot") }

// serve listens on addr and serves root until ctx is done, then shuts
// down gracefully (requests in progress get 10 seconds).
func serve(ctx context.Context, addr string, root fs.FS, stdout io.Writer) error {
	s, err := newSite(root)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w (is another server using the port? try --addr 127.0.0.1:8081)", addr, err)
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	if !s.built {
		fmt.Fprintf(stdout, "cgru-serve: warning: %s\n", s.note)
	}
	size, n := s.Size()
	fmt.Fprintf(stdout, "cgru-serve: %d files (%.1f MB) built in\n", n, float64(size)/(1<<20))
	urls := addresses(ln.Addr().(*net.TCPAddr))
	if len(urls) == 1 {
		fmt.Fprintf(stdout, "cgru-serve: open %s (Ctrl-C stops)\n", urls[0])
	} else {
		fmt.Fprintf(stdout, "cgru-serve: open one of these addresses on this network (Ctrl-C stops):\n")
		for _, u := range urls {
			fmt.Fprintf(stdout, "  %s\n", u)
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	fmt.Fprintln(stdout, "cgru-serve: stopped")
	return nil
}

// addresses returns the URLs the page is reachable at: the listening
// address, or for an unspecified one (":8080", "0.0.0.0:8080") every
// address of this machine's interfaces that are up, loopback last.
func addresses(a *net.TCPAddr) []string {
	url := func(ip net.IP) string {
		host := ip.String()
		if ip.To4() == nil {
			host = "[" + host + "]"
		}
		return fmt.Sprintf("http://%s:%d/", host, a.Port)
	}
	if !a.IP.IsUnspecified() {
		return []string{url(a.IP)}
	}
	var out, lo []string
	ifaces, _ := net.Interfaces()
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, ad := range addrs {
			ipn, ok := ad.(*net.IPNet)
			if !ok || ipn.IP.IsLinkLocalUnicast() || (a.IP.To4() != nil && ipn.IP.To4() == nil) {
				continue
			}
			if ipn.IP.IsLoopback() {
				lo = append(lo, url(ipn.IP))
			} else {
				out = append(out, url(ipn.IP))
			}
		}
	}
	out = append(out, lo...)
	if len(out) == 0 {
		out = []string{url(net.IPv4(127, 0, 0, 1))}
	}
	return out
}
