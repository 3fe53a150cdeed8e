package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// contentTypes maps the extensions of the built site to their MIME types;
// anything else is application/octet-stream (nothing is sniffed).
var contentTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".wasm":  "application/wasm",
	".json":  "application/json",
	".map":   "application/json",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".txt":   "text/plain; charset=utf-8",
	".bin":   "application/octet-stream",
	".woff2": "font/woff2",
}

// csp allows only this origin: scripts (and WebAssembly compilation),
// the worker, styles, fetches; images also from data: and blob: URLs
// (downloads and the empty favicon).
const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; style-src 'self'; " +
	"img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

// asset is one file of the site with its precompressed variants.
type asset struct {
	name    string // path in the file system, e.g. "js/main.js"
	ctype   string
	etag    string // strong, from the content's SHA-256
	size    int64
	content []byte
	gz, br  []byte // precompressed by the build (nil when absent)
	modTime time.Time
}

// site serves the files of a built site: only regular files, by their
// exact paths; "/" is index.html. It refuses path traversal (a ".." or "."
// segment, backslashes, NUL), lists no directory, hides dot files and the
// precompressed variants themselves, and answers GET and HEAD only.
type site struct {
	assets map[string]*asset
	built  bool   // the file system holds a built site (index.html)
	note   string // why not, when it does not
}

// newSite indexes fsys: every regular file, its ETag and its ".gz" and
// ".br" variants (written by the build). A file system without index.html
// is the committed placeholder of a fresh clone: the site then answers 503
// with the placeholder's explanation.
func newSite(fsys fs.FS) (*site, error) {
	s := &site{assets: map[string]*asset{}}
	files := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files[p] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the site: %w", err)
	}
	for p, b := range files {
		if strings.HasSuffix(p, ".gz") || strings.HasSuffix(p, ".br") || p == "NOT_BUILT.txt" {
			continue
		}
		sum := sha256.Sum256(b)
		ct, ok := contentTypes[strings.ToLower(path.Ext(p))]
		if !ok {
			ct = "application/octet-stream"
		}
		a := &asset{name: p, ctype: ct, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, size: int64(len(b)), content: b,
			gz: files[p+".gz"], br: files[p+".br"]}
		s.assets[p] = a
	}
	if _, ok := s.assets["index.html"]; ok {
		s.built = true
	} else {
		s.note = "The web page is not built: run ./build.sh serve (or ./build.sh, then restart this server)."
		if b, ok := files["NOT_BUILT.txt"]; ok {
			s.note = strings.TrimSpace(string(b))
		}
	}
	return s, nil
}

// Size returns the bytes of the site (uncompressed) and its file count.
func (s *site) Size() (int64, int) {
	var n int64
	for _, a := range s.assets {
		n += a.size
	}
	return n, len(s.assets)
}

// names lists the served paths, sorted.
func (s *site) names() []string {
	var out []string
	for n := range s.assets {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Content-Security-Policy", csp)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		httpError(w, r, http.StatusMethodNotAllowed, "Only GET and HEAD are served.")
		return
	}
	name, ok := cleanPath(r.URL.Path)
	if !ok {
		httpError(w, r, http.StatusBadRequest, "This path is refused: it leaves the site or is not a plain path.")
		return
	}
	if !s.built {
		h.Set("Cache-Control", "no-store")
		httpError(w, r, http.StatusServiceUnavailable, s.note)
		return
	}
	a := s.assets[name]
	if a == nil || strings.HasPrefix(path.Base(name), ".") {
		httpError(w, r, http.StatusNotFound, "There is no such page here. The demo is at /.")
		return
	}
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	// Revalidate every time: an unchanged file costs a 304 and no body,
	// and a rebuilt site is never mixed with a cached one.
	h.Set("Cache-Control", "no-cache")
	h.Add("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatch(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.content
	switch enc := r.Header.Get("Accept-Encoding"); {
	case a.br != nil && accepts(enc, "br"):
		h.Set("Content-Encoding", "br")
		body = a.br
	case a.gz != nil && accepts(enc, "gzip"):
		h.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

// cleanPath maps a URL path to a file path of the site: "/" is
// index.html. It refuses anything that is not a plain absolute path: a
// "." or ".." segment (path traversal, also when %-encoded: r.URL.Path is
// decoded), an empty segment ("//"), a backslash or a NUL. A path ending
// in "/" names a directory, and directories are not listed: "" is
// returned, which no asset has.
func cleanPath(p string) (string, bool) {
	if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") {
		return "", false
	}
	if p == "/" {
		return "index.html", true
	}
	rest := p[1:]
	if strings.HasSuffix(rest, "/") {
		return "", true
	}
	for _, seg := range strings.Split(rest, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", false
		}
	}
	if !fs.ValidPath(rest) {
		return "", false
	}
	return rest, true
}

// accepts reports whether an Accept-Encoding header accepts coding (with
// a non-zero quality).
func accepts(header, coding string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), coding) {
			continue
		}
		q := strings.TrimSpace(params)
		if v, ok := strings.CutPrefix(q, "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f == 0 {
				return false
			}
		}
		return true
	}
	return false
}

// etagMatch reports whether an If-None-Match header matches etag (weak
// comparison, as RFC 9110 asks for If-None-Match).
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// httpError writes a small HTML (or, for HEAD, empty) error page.
func httpError(w http.ResponseWriter, r *http.Request, code int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-cache")
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "<!doctype html><meta charset=utf-8><title>%d %s</title>"+
		"<h1>%d %s</h1><p>%s</p><p><a href=\"/\">cgru</a></p>\n",
		code, http.StatusText(code), code, http.StatusText(code), html.EscapeString(msg))
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		w.Write(b.Bytes())
	}
}
