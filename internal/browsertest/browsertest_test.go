package browsertest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestStart loads a page that logs and throws, and checks that the
// console is collected.
func TestStart(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!doctype html><title>t</title><p id=x>hello</p>
<script>console.log("hi there"); console.error("bad thing"); window.done = 42;</script>`))
	}))
	defer srv.Close()
	b := Start(t, Options{})
	b.Run(30*time.Second, chromedp.Navigate(srv.URL))
	if v := Wait[int](b, 10*time.Second, "window.done"); v != 42 {
		t.Fatalf("window.done = %d, want 42", v)
	}
	if got := Eval[string](b, 5*time.Second, `document.getElementById("x").textContent`); got != "hello" {
		t.Fatalf("text = %q", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(b.Problems(), "bad thing") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if p := b.Problems(); !strings.Contains(p, "bad thing") || strings.Contains(p, "hi there") {
		t.Fatalf("problems = %q, want the console.error only", p)
	}
}

// TestWebGPU checks that WebGPU gives an adapter with Options.WebGPU (on
// SwiftShader without a GPU) and none without, from the page and from a
// dedicated worker (where cgru's engine runs).
func TestWebGPU(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/worker.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Write([]byte(`(async () => {
  const a = self.navigator.gpu ? await navigator.gpu.requestAdapter() : null;
  postMessage(a ? "adapter:" + (a.info ? a.info.vendor + "/" + a.info.architecture : "?") : "none");
})();`))
		default:
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(`<!doctype html><title>t</title><script>
window.fromWorker = new Promise(res => { const w = new Worker("/worker.js"); w.onmessage = e => res(e.data); });
window.fromPage = (async () => { const a = navigator.gpu ? await navigator.gpu.requestAdapter() : null; return a ? "adapter" : "none"; })();
</script>`))
		}
	}))
	defer srv.Close()
	for _, on := range []bool{true, false} {
		b := Start(t, Options{WebGPU: on})
		b.Run(30*time.Second, chromedp.Navigate(srv.URL))
		page := Eval[string](b, 30*time.Second, "window.fromPage")
		worker := Eval[string](b, 30*time.Second, "window.fromWorker")
		t.Logf("WebGPU %v: page %s, worker %s", on, page, worker)
		if got := page != "none"; got != on {
			t.Errorf("WebGPU %v: page says %q", on, page)
		}
		if got := worker != "none"; got != on {
			t.Errorf("WebGPU %v: worker says %q", on, worker)
		}
	}
}
