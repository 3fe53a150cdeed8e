//go:build cgo && !js

package gpu

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cgru/cgru/gpu/internal/parity"
	"github.com/cgru/cgru/internal/browsertest"
	"github.com/chromedp/chromedp"
)

// workerJS starts the parity program in a dedicated worker and forwards
// its console errors and warnings (and uncaught errors) to the page, where
// the test collects them.
const workerJS = `
const forward = (level) => {
  const orig = console[level].bind(console);
  console[level] = (...a) => { postMessage({type: "console", level, text: a.map(String).join(" ")}); orig(...a); };
};
forward("error");
forward("warn");
self.addEventListener("error", (e) => postMessage({type: "console", level: "error", text: "uncaught: " + e.message}));
importScripts("wasm_exec.js");
const go = new Go();
WebAssembly.instantiateStreaming(fetch("parity.wasm"), go.importObject).then((r) => go.run(r.instance)).catch((e) => postMessage({type: "done", json: JSON.stringify({error: "starting the wasm: " + e})}));
`

const pageHTML = `<!doctype html><meta charset="utf-8"><title>cgru WebGPU parity</title>
<pre id="log"></pre>
<script>
window.results = [];
window.report = null;
const log = document.getElementById("log");
const w = new Worker("worker.js");
w.onmessage = (e) => {
  const m = e.data;
  if (m.type === "console") {
    (m.level === "warn" ? console.warn : console.error)("worker: " + m.text);
  } else if (m.type === "result") {
    window.results.push(m.json);
    const r = JSON.parse(m.json);
    log.textContent += r.name + "  grad " + r.grad_rel.toExponential(2) + (r.error ? "  ERROR " + r.error : "") + "\n";
  } else if (m.type === "done") {
    window.report = m.json;
    log.textContent += "done\n";
  }
};
w.onerror = (e) => { console.error("worker error: " + e.message); window.report = JSON.stringify({error: e.message}); };
</script>`

// Report mirrors the report of gpu/internal/paritywasm.
type browserReport struct {
	Adapter      string               `json:"adapter"`
	AutoBackend  string               `json:"auto_backend"`
	AutoReason   string               `json:"auto_reason"`
	PlainBackend string               `json:"plain_backend"`
	PlainReason  string               `json:"plain_reason"`
	Results      []parity.Result      `json:"results"`
	Train        []parity.TrainResult `json:"train"`
	StepWork     Stats                `json:"step_work"`
	StepMS       float64              `json:"step_ms"`
	LossGPUms    float64              `json:"loss_gpu_ms"`
	LossCPUms    float64              `json:"loss_cpu_ms"`
	Seconds      float64              `json:"seconds"`
	Error        string               `json:"error"`
}

// TestBrowserParity builds gpu/internal/paritywasm for js/wasm, runs it in a
// dedicated Web Worker of headless Chromium with WebGPU on SwiftShader, and
// checks the same parity cases as the native tests (golden, real-size, ten
// training steps), the browser's self-test of "auto" (with AllowSoftware;
// plain "auto" must pass SwiftShader over), the GPU work of a
// training step, and that the worker logged no error or warning (WebGPU
// validation errors arrive as warnings). Without Chromium it fails unless
// CGRU_NO_BROWSER=1.
func TestBrowserParity(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	dir := t.TempDir()
	wasm := filepath.Join(dir, "parity.wasm")
	build := exec.Command("go", "build", "-o", wasm, "./internal/paritywasm")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the wasm: %v\n%s", err, out)
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	wasmExec := filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js")
	if _, err := os.Stat(wasmExec); err != nil {
		wasmExec = filepath.Join(strings.TrimSpace(string(goroot)), "misc", "wasm", "wasm_exec.js")
	}
	files := map[string]struct{ path, typ string }{
		"/parity.wasm":  {wasm, "application/wasm"},
		"/wasm_exec.js": {wasmExec, "text/javascript"},
		"/golden.json":  {"../testdata/golden.json", "application/json"},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(pageHTML))
		case "/favicon.ico":
			w.WriteHeader(http.StatusNoContent)
		case "/worker.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Write([]byte(workerJS))
		default:
			f, ok := files[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", f.typ)
			http.ServeFile(w, r, f.path)
		}
	}))
	defer srv.Close()

	b := browsertest.Start(t, browsertest.Options{WebGPU: true})
	b.Run(30*time.Second, chromedp.Navigate(srv.URL))
	raw := browsertest.Wait[string](b, 8*time.Minute, "window.report")
	b.Screenshot("gpu-browser-parity")
	var rep browserReport
	if err := json.Unmarshal([]byte(raw), &rep); err != nil {
		t.Fatalf("report %q: %v", raw, err)
	}
	t.Logf("adapter %s; auto: %s %s; %.0f s in all", rep.Adapter, rep.AutoBackend, rep.AutoReason, rep.Seconds)
	if rep.Error != "" {
		t.Fatalf("in the browser: %s\nconsole:\n%s", rep.Error, b.Problems())
	}
	if rep.AutoBackend != "webgpu" {
		t.Errorf(`"auto" with AllowSoftware in the browser gave %q: %s`, rep.AutoBackend, rep.AutoReason)
	}
	// SwiftShader is a software adapter: plain "auto" passes it over.
	t.Logf(`plain "auto": %s %s`, rep.PlainBackend, rep.PlainReason)
	if want := SoftwareReason("SwiftShader"); rep.PlainBackend != "cpu" || rep.PlainReason != want {
		t.Errorf(`Choose("auto") on SwiftShader gave %q (%q), want cpu (%q)`, rep.PlainBackend, rep.PlainReason, want)
	}
	golden, err := os.ReadFile("../testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	cases, _ := parity.GoldenCases(golden)
	if want := len(cases) + len(parity.RealCases()); len(rep.Results) != want {
		t.Errorf("%d results, want %d", len(rep.Results), want)
	}
	for _, r := range rep.Results {
		report(t, r)
	}
	for _, r := range rep.Train {
		t.Logf("train %s, %d steps of %d windows: weights rel %.2g (%s)", r.Kind, r.Steps, r.N, r.Rel, r.Worst)
		if r.Err != "" || !(r.Rel <= parity.TrainTol) {
			t.Errorf("train %s: rel %.3g, error %q", r.Kind, r.Rel, r.Err)
		}
	}
	t.Logf("one CGRU step of 36 windows on %s: %.0f ms, %+v", rep.Adapter, rep.StepMS, rep.StepWork)
	t.Logf("SGRU step of 12 windows: loss on the GPU %.1f ms, on the CPU (two submits and readbacks) %.1f ms (medians)", rep.LossGPUms, rep.LossCPUms)
	if w := rep.StepWork; w.Dispatches != 6 || w.Submits != 1 || w.Readbacks != 1 {
		t.Errorf("GPU work of a step in the browser: %+v, want 6 dispatches, 1 submit, 1 readback", w)
	}
	if p := b.Problems(); p != "" {
		t.Errorf("console errors or warnings:\n%s", p)
	}
}
