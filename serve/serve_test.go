package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

// testSite is a small built site with precompressed variants.
func testSite(t *testing.T) *site {
	t.Helper()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("console.log('main');"))
	zw.Close()
	fsys := fstest.MapFS{
		"index.html":        {Data: []byte("<!doctype html><title>cgru</title>")},
		"js/main.js":        {Data: []byte("console.log('main');")},
		"js/main.js.gz":     {Data: gz.Bytes()},
		"js/main.js.br":     {Data: []byte("BROTLI")},
		"css/app.css":       {Data: []byte("body{}")},
		"cgru.wasm":         {Data: []byte("\x00asm\x01\x00\x00\x00")},
		"build.json":        {Data: []byte(`{"wasm_bytes": 8}`)},
		"vendor/u/x.svg":    {Data: []byte("<svg/>")},
		".hidden":           {Data: []byte("secret")},
		"vendor/u/LICENSE":  {Data: []byte("MIT")},
		"NOT_BUILT.txt":     {Data: []byte("placeholder")},
		"data/uci.bin":      {Data: []byte("CGRUDATA")},
		"js/panels/data.js": {Data: []byte("export default {}")},
	}
	s, err := newSite(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func get(t *testing.T, h http.Handler, method, target string, hdr ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, "http://localhost/", nil)
	req.URL.Path = target // as the server decodes it, whatever the client sent
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestMIMEAndHeaders(t *testing.T) {
	s := testSite(t)
	for _, c := range []struct {
		path, ctype string
	}{
		{"/", "text/html; charset=utf-8"},
		{"/index.html", "text/html; charset=utf-8"},
		{"/js/main.js", "text/javascript; charset=utf-8"},
		{"/js/panels/data.js", "text/javascript; charset=utf-8"},
		{"/css/app.css", "text/css; charset=utf-8"},
		{"/cgru.wasm", "application/wasm"},
		{"/build.json", "application/json"},
		{"/vendor/u/x.svg", "image/svg+xml"},
		{"/vendor/u/LICENSE", "application/octet-stream"},
		{"/data/uci.bin", "application/octet-stream"},
	} {
		r := get(t, s, "GET", c.path)
		if r.StatusCode != 200 || r.Header.Get("Content-Type") != c.ctype {
			t.Errorf("GET %s: %d %q, want 200 %q", c.path, r.StatusCode, r.Header.Get("Content-Type"), c.ctype)
		}
		for _, h := range []string{"ETag", "Cache-Control", "X-Content-Type-Options", "Content-Security-Policy", "Content-Length"} {
			if r.Header.Get(h) == "" {
				t.Errorf("GET %s: no %s header", c.path, h)
			}
		}
	}
	r := get(t, s, "GET", "/")
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "'wasm-unsafe-eval'") {
		t.Errorf("CSP %q", csp)
	}
}

func TestPrecompressedAndETag(t *testing.T) {
	s := testSite(t)
	r := get(t, s, "GET", "/js/main.js", "Accept-Encoding", "gzip, deflate, br")
	body, _ := io.ReadAll(r.Body)
	if r.Header.Get("Content-Encoding") != "br" || string(body) != "BROTLI" || r.Header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("br: encoding %q, body %q, Vary %q", r.Header.Get("Content-Encoding"), body, r.Header.Get("Vary"))
	}
	r = get(t, s, "GET", "/js/main.js", "Accept-Encoding", "gzip, br;q=0")
	if r.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("gzip wanted: encoding %q", r.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); string(plain) != "console.log('main');" {
		t.Errorf("gzip body %q", plain)
	}
	r = get(t, s, "GET", "/js/main.js")
	body, _ = io.ReadAll(r.Body)
	if r.Header.Get("Content-Encoding") != "" || string(body) != "console.log('main');" {
		t.Errorf("identity: encoding %q body %q", r.Header.Get("Content-Encoding"), body)
	}
	etag := r.Header.Get("ETag")
	if !regexp.MustCompile(`^"[0-9a-f]{24}"$`).MatchString(etag) || r.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("ETag %q, Cache-Control %q", etag, r.Header.Get("Cache-Control"))
	}
	r = get(t, s, "GET", "/js/main.js", "If-None-Match", etag)
	if r.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match the ETag: %d, want 304", r.StatusCode)
	}
	r = get(t, s, "GET", "/js/main.js", "If-None-Match", `"other"`)
	if r.StatusCode != 200 {
		t.Errorf("If-None-Match another ETag: %d, want 200", r.StatusCode)
	}
	r = get(t, s, "HEAD", "/cgru.wasm")
	body, _ = io.ReadAll(r.Body)
	if r.StatusCode != 200 || len(body) != 0 || r.Header.Get("Content-Length") != "8" {
		t.Errorf("HEAD: %d, %d bytes of body, Content-Length %q", r.StatusCode, len(body), r.Header.Get("Content-Length"))
	}
}

func TestRefused(t *testing.T) {
	s := testSite(t)
	for _, c := range []struct {
		method, path string
		code         int
	}{
		{"GET", "/../go.mod", 400},
		{"GET", "/js/../../etc/passwd", 400},
		{"GET", "/js/./main.js", 400},
		{"GET", "//etc/passwd", 400},
		{"GET", "/js//main.js", 400},
		{"GET", `/js\main.js`, 400},
		{"GET", "/js/main.js\x00", 400},
		{"GET", "..%2f..%2fgo.mod", 400}, // a raw, relative path
		{"GET", "/js/", 404},             // no directory listing
		{"GET", "/js", 404},
		{"GET", "/vendor/", 404},
		{"GET", "/nope.html", 404},
		{"GET", "/js/main.js.gz", 404}, // variants are not resources
		{"GET", "/.hidden", 404},
		{"GET", "/NOT_BUILT.txt", 404},
		{"POST", "/", 405},
		{"PUT", "/js/main.js", 405},
		{"DELETE", "/index.html", 405},
	} {
		r := get(t, s, c.method, c.path)
		body, _ := io.ReadAll(r.Body)
		if r.StatusCode != c.code {
			t.Errorf("%s %q: %d, want %d", c.method, c.path, r.StatusCode, c.code)
		}
		if strings.Contains(string(body), "secret") || strings.Contains(string(body), "console.log") {
			t.Errorf("%s %q: the body leaks a file: %q", c.method, c.path, body)
		}
	}
	// Path traversal through the real server (the client sends the raw
	// path, and percent-encoded dots).
	srv := httptest.NewServer(s)
	defer srv.Close()
	for _, raw := range []string{"/../serve_test.go", "/%2e%2e/serve_test.go", "/js/%2E%2E/%2E%2E/go.mod", "/js/..%2f..%2fgo.mod"} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conn.Write([]byte("GET " + raw + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 400 && resp.StatusCode != 404 {
			t.Errorf("raw GET %s: %d, want 400 or 404", raw, resp.StatusCode)
		}
		conn.Close()
	}
}

func TestNotBuilt(t *testing.T) {
	s, err := newSite(fstest.MapFS{"NOT_BUILT.txt": {Data: []byte("Run ./build.sh serve.")}})
	if err != nil {
		t.Fatal(err)
	}
	r := get(t, s, "GET", "/")
	body, _ := io.ReadAll(r.Body)
	if r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "Run ./build.sh serve.") {
		t.Errorf("placeholder site: %d %q", r.StatusCode, body)
	}
	// The embedded site is the placeholder or a built site, never empty.
	root, err := siteFS()
	if err != nil {
		t.Fatal(err)
	}
	es, err := newSite(root)
	if err != nil {
		t.Fatal(err)
	}
	if !es.built && !strings.Contains(es.note, "./build.sh") {
		t.Errorf("embedded placeholder says %q", es.note)
	}
}

func TestAccepts(t *testing.T) {
	for _, c := range []struct {
		header, coding string
		want           bool
	}{
		{"gzip, deflate, br", "br", true},
		{"gzip;q=1.0, br;q=0", "br", false},
		{"GZIP", "gzip", true},
		{"identity", "gzip", false},
		{"", "gzip", false},
		{"br;q=0.5", "br", true},
	} {
		if got := accepts(c.header, c.coding); got != c.want {
			t.Errorf("accepts(%q, %q) = %v, want %v", c.header, c.coding, got, c.want)
		}
	}
}

// TestServe starts the server as main does: loopback by default, the URL
// printed, requests served, a clean shutdown on cancellation.
func TestServe(t *testing.T) {
	if host, _, _ := net.SplitHostPort(defaultAddr); !net.ParseIP(host).IsLoopback() {
		t.Fatalf("default address %s is not loopback", defaultAddr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan int)
	go func() { done <- run(ctx, []string{"--addr", "127.0.0.1:0"}, &out, &out) }()
	var url string
	deadline := time.Now().Add(10 * time.Second)
	for url == "" && time.Now().Before(deadline) {
		if m := regexp.MustCompile(`open (http://\S+)`).FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("printed %q, want a loopback URL", out.String())
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 && resp.StatusCode != 503 {
		t.Errorf("GET %s: %d", url, resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit status %d after shutdown; output:\n%s", code, out.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no shutdown")
	}
	if !strings.Contains(out.String(), "stopped") {
		t.Errorf("output %q", out.String())
	}
	// Usage errors exit 2; a taken port exits 1 with a hint.
	if code := run(context.Background(), []string{"--bogus"}, io.Discard, io.Discard); code != 2 {
		t.Errorf("--bogus: exit %d, want 2", code)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"--addr", ln.Addr().String()}, io.Discard, &errOut); code != 1 || !strings.Contains(errOut.String(), "--addr") {
		t.Errorf("taken port: exit %d, %q", code, errOut.String())
	}
}

func TestAddresses(t *testing.T) {
	got := addresses(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080})
	if len(got) != 1 || got[0] != "http://127.0.0.1:8080/" {
		t.Errorf("loopback: %v", got)
	}
	all := addresses(&net.TCPAddr{IP: net.IPv4zero, Port: 9000})
	if len(all) == 0 || !strings.HasSuffix(all[len(all)-1], ":9000/") {
		t.Errorf("all interfaces: %v", all)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
