#!/usr/bin/env bash
# build.sh — build, serve and test cgru.
#
#   ./build.sh          build the command-line tool and the web page: bin/cgru,
#                       the WebAssembly engine and the site in serve/webroot/,
#                       and the offline server bin/cgru-serve that embeds it
#   ./build.sh serve    build, then serve the page (bin/cgru-serve; flags pass
#                       through: ./build.sh serve --addr :8080 for a classroom)
#   ./build.sh test     run every test (Go natively, Go under GOOS=js with Node,
#                       the page in headless Chromium, the README's tour
#                       docs/quickstart.sh, short fuzzing of the parsers)
set -euo pipefail
cd "$(dirname "$0")"

# Fuzz targets run briefly by ./build.sh test: "package FuzzName".
FUZZ_TARGETS=(
	"data FuzzReadCSV"
	"data FuzzReadHARFile"
	"data FuzzLoadBytes"
	"model FuzzParseFile"
	"cmd/cgru FuzzParseSyncFile"
)
FUZZTIME=${FUZZTIME:-10s}

# The float32 engine has SIMD kernels (AVX2+FMA) written with Go 1.26's
# experimental simd/archsimd package; they are compiled only with
# GOEXPERIMENT=simd. Builds here use it; a plain `go build` gets the
# portable loops (same results within float32 rounding).
SIMD_EXPERIMENT=simd

build_cli() {
	mkdir -p bin
	GOEXPERIMENT=$SIMD_EXPERIMENT go build -trimpath -o bin/cgru ./cmd/cgru
	echo "built bin/cgru"
}

# wasm_exec_dir is where the Go root keeps wasm_exec.js and go_js_wasm_exec.
wasm_exec_dir() {
	local d
	d="$(go env GOROOT)/lib/wasm"
	[ -f "$d/wasm_exec.js" ] || d="$(go env GOROOT)/misc/wasm"
	echo "$d"
}

# build_site assembles the web page into serve/webroot/ (git-ignored but for
# its placeholder): the Go engine as WebAssembly (-trimpath, stripped),
# wasm_exec.js from the Go root, site/ and the pinned front-end packages
# (npm ci from site/package-lock.json), precompressed; then builds the
# offline server bin/cgru-serve, which embeds it.
build_site() {
	command -v npm >/dev/null 2>&1 || { echo "build.sh: npm not found (Debian: apt-get install nodejs npm)" >&2; return 1; }
	local out=serve/webroot wasmexec
	wasmexec="$(wasm_exec_dir)"
	(cd site && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
	find "$out" -mindepth 1 ! -name NOT_BUILT.txt -exec rm -rf {} +
	GOOS=js GOARCH=wasm go build -tags wasmsimd -trimpath -ldflags="-s -w" -o "$out/cgru.wasm" ./wasm
	site/node_modules/.bin/wat2wasm wasm/kernels/kernels.wat -o "$out/kernels.wasm"
	cp "$wasmexec/wasm_exec.js" "$out/"
	cp site/index.html site/worker.js "$out/"
	cp -R site/css site/js "$out/"
	mkdir -p "$out/vendor/uplot"
	cp site/node_modules/uplot/dist/uPlot.esm.js site/node_modules/uplot/dist/uPlot.min.css site/node_modules/uplot/LICENSE "$out/vendor/uplot/"
	local built
	built="$(git log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf '{"wasm_bytes": %d, "go": "%s", "built": "%s", "uplot": "%s"}\n' \
		"$(wc -c <"$out/cgru.wasm")" "$(go env GOVERSION)" "$built" \
		"$(node -p 'require("./site/node_modules/uplot/package.json").version')" >"$out/build.json"
	go run ./serve/internal/precompress "$out"
	mkdir -p bin
	CGO_ENABLED=0 go build -trimpath -o bin/cgru-serve ./serve
	echo "built the page into $out/ and bin/cgru-serve"
}

run_tests() {
	# The WebGPU engine is cgo (wgpu-native): without a C compiler Go turns
	# cgo off and its tests would compile out instead of running.
	if [ "$(go env CGO_ENABLED)" != 1 ]; then
		echo "build.sh: cgo is off (no C compiler?): the WebGPU engine's tests need it (Debian: apt-get install gcc)" >&2
		return 1
	fi
	local har="${CGRU_HAR:-../shared/data/uci-har/UCI HAR Dataset}"
	if [ -f "$har/train/y_train.txt" ]; then
		echo "== real UCI HAR tests use $har"
	else
		echo "== NOTE: no UCI HAR copy at $har: data/'s real-data tests will skip (set CGRU_HAR)"
	fi
	echo "== the web page (serve/ embeds it; its browser tests need it)"
	build_site
	echo "== go vet"
	go vet ./...
	echo "== pure-Go builds (no cgo, and js/wasm)"
	CGO_ENABLED=0 go build ./...
	GOOS=js GOARCH=wasm go build ./model/... ./data/... ./internal/harness/
	GOOS=js GOARCH=wasm go vet ./gpu/... ./shaders/...
	echo "== the WebGPU engine in a build without cgo (auto gives the CPU engine)"
	CGO_ENABLED=0 go test -count=1 ./gpu/
	echo "== go test (native, portable loops)"
	# gpu/ and cmd/cgru run the WebGPU engine on the first adapter (Mesa's
	# lavapipe in CI) and in headless Chromium (SwiftShader); without one they
	# fail, unless CGRU_NO_GPU=1 / CGRU_NO_BROWSER=1 skip them knowingly.
	# serve/'s browser tests measure the page's responsiveness while it
	# trains: they run on their own, not beside the GPU tests' CPU load.
	go test -count=1 $(go list ./... | grep -v '/serve$')
	go test -count=1 ./serve/
	echo "== go test (native, GOEXPERIMENT=simd kernels)"
	GOEXPERIMENT=$SIMD_EXPERIMENT go vet ./model/...
	GOEXPERIMENT=$SIMD_EXPERIMENT go test -count=1 ./model/... ./cmd/...
	echo "== go test (GOOS=js GOARCH=wasm under Node)"
	local wasmexec
	wasmexec="$(wasm_exec_dir)"
	PATH="$wasmexec:$PATH" GOOS=js GOARCH=wasm go test -count=1 ./model/... ./data/... ./internal/harness/ ./wasm/...
	echo "== the page's engine under Node with its WebAssembly SIMD kernels (wasm/kernels)"
	GOOS=js GOARCH=wasm go vet -tags wasmsimd ./wasm/
	CGRU_WASM_EXEC="$wasmexec" CGRU_KERNELS="$PWD/serve/webroot/kernels.wasm" GOOS=js GOARCH=wasm \
		go test -count=1 -tags wasmsimd -exec="node --stack-size=8192 '$PWD/wasm/testdata/exec_node.js'" ./wasm/
	echo "== the README's tour (docs/quickstart.sh on the embedded data)"
	build_cli
	local tour
	tour="$(mktemp -d)"
	docs/quickstart.sh "$tour" >"$tour/log" 2>&1 || { cat "$tour/log"; echo "docs/quickstart.sh failed (its files are in $tour)" >&2; return 1; }
	echo "ok: $(ls "$tour/report" | wc -l) report files"
	rm -rf "$tour"
	echo "== fuzzing (${FUZZTIME} per target)"
	for t in "${FUZZ_TARGETS[@]}"; do
		# No minimizing: with it, the short budget went on shrinking the
		# first large seed input (9 executions in 10 s for two targets).
		go test -run='^$' -fuzz="^${t#* }\$" -fuzztime="$FUZZTIME" -fuzzminimizetime=0 "./${t% *}"
	done
}

case "${1:-build}" in
build)
	build_cli
	build_site
	;;
serve)
	build_cli
	build_site
	shift
	exec bin/cgru-serve "$@"
	;;
test)
	run_tests
	;;
*)
	echo "usage: ./build.sh [build|serve|test]" >&2
	exit 2
	;;
esac
