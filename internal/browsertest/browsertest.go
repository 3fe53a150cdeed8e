// Package browsertest starts headless Chromium for cgru's browser tests
// (the WebGPU parity cases in gpu/ and the page tests in serve/), with the
// flags DESIGN.md §7 found necessary here, and collects the page's console.
//
// Chromium is Debian's `chromium` (`.ci/run` installs it); CGRU_CHROMIUM
// names another binary. A browser test that finds no Chromium fails: CI
// must not pass by skipping. Set CGRU_NO_BROWSER=1 to skip them knowingly
// on a machine without one.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Options configure a browser.
type Options struct {
	// WebGPU enables WebGPU (on SwiftShader when there is no GPU) with
	// --enable-unsafe-webgpu. Without it headless Chromium exposes no
	// WebGPU adapter, which is how tests exercise the CPU fallback.
	WebGPU bool
	// Width and Height of the window (default 1280×900).
	Width, Height int
}

// Browser is a started headless Chromium with one tab.
type Browser struct {
	// Ctx is the chromedp context of the tab; derive timeouts from it.
	Ctx     context.Context
	t       testing.TB
	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// Chromium returns the path of the Chromium binary, or "" when there is none.
func Chromium() string {
	if p := os.Getenv("CGRU_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Start launches a fresh headless Chromium for the test and closes it at
// the end of the test. It fails the test when there is no Chromium, unless
// CGRU_NO_BROWSER=1, which skips it.
func Start(t testing.TB, opt Options) *Browser {
	t.Helper()
	path := Chromium()
	if path == "" {
		if os.Getenv("CGRU_NO_BROWSER") == "1" {
			t.Skip("no Chromium, and CGRU_NO_BROWSER=1")
		}
		t.Fatal("browser test: no Chromium found (apt-get install chromium, or set CGRU_CHROMIUM; CGRU_NO_BROWSER=1 skips)")
	}
	w, h := opt.Width, opt.Height
	if w == 0 {
		w, h = 1280, 900
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(w, h),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	if opt.WebGPU {
		opts = append(opts, chromedp.Flag("enable-unsafe-webgpu", true))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	b := &Browser{Ctx: ctx, t: t}
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// Console starts the browser and subscribes to console calls,
	// uncaught exceptions and browser log entries (WebGPU validation
	// warnings arrive there).
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[string]("navigator.userAgent")); err != nil {
		t.Fatalf("browser test: starting %s: %v", path, err)
	}
	return b
}

// Console returns the console messages so far.
func (b *Browser) Console() []chromedp.ConsoleMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), b.console...)
}

// Problems returns the console messages of type error, warning or
// exception, one per line ("" when none).
func (b *Browser) Problems() string {
	var s []string
	for _, m := range b.Console() {
		switch m.Type {
		case chromedp.ConsoleError, chromedp.ConsoleWarning, chromedp.ConsoleException:
			s = append(s, m.String())
		}
	}
	return strings.Join(s, "\n")
}

// Run runs actions with a time limit and fails the test on error, with
// the console so far.
func (b *Browser) Run(limit time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, limit)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v\nconsole:\n%s", err, b.dump())
	}
}

// Eval evaluates a JavaScript expression (awaiting a promise) with a time
// limit and decodes its value into T; it fails the test on error.
func Eval[T any](b *Browser, limit time.Duration, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, limit)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("browser: evaluating %.200s: %v\nconsole:\n%s", expr, err, b.dump())
	}
	return v
}

// Wait polls a JavaScript expression until it is truthy, with a time
// limit, and decodes that value into T; it fails the test on time-out.
func Wait[T any](b *Browser, limit time.Duration, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, limit+5*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Poll[T](expr,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(limit)))
	if err != nil {
		b.t.Fatalf("browser: waiting for %.200s: %v\nconsole:\n%s", expr, err, b.dump())
	}
	return v
}

func (b *Browser) dump() string {
	var s []string
	for _, m := range b.Console() {
		s = append(s, "  "+m.String())
	}
	if len(s) == 0 {
		return "  (empty)"
	}
	return strings.Join(s, "\n")
}

// Screenshot saves a full-page PNG (chromedp writes PNG at quality 100, JPEG below) as a test artefact in ArtifactDir()
// and returns its path.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("browser: screenshot %s: %v", name, err)
	}
	dir := ArtifactDir(b.t)
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	b.t.Logf("screenshot %s", p)
	return p
}

// ArtifactDir is where browser tests leave artefacts (screenshots): the
// folder CGRU_ARTIFACTS names, or test-artifacts/ at the module root
// (git-ignored).
func ArtifactDir(t testing.TB) string {
	dir := os.Getenv("CGRU_ARTIFACTS")
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			t.Fatalf("browser: %v", err)
		}
		dir = filepath.Join(root, "test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browser: %v", err)
	}
	return dir
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
