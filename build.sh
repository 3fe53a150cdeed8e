#!/usr/bin/env bash
# build.sh — build, serve and test cgru.
#
#   ./build.sh          build the command-line tool into bin/
#   ./build.sh serve    build and serve the demo page (see README)
#   ./build.sh test     run every test (Go natively, Go under GOOS=js with Node,
#                       the README's tour docs/quickstart.sh, short fuzzing of the parsers)
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

run_tests() {
	echo "== go vet"
	go vet ./...
	echo "== pure-Go builds (no cgo, and js/wasm)"
	CGO_ENABLED=0 go build ./...
	GOOS=js GOARCH=wasm go build ./model/... ./data/...
	GOOS=js GOARCH=wasm go vet ./gpu/... ./shaders/...
	echo "== the WebGPU engine in a build without cgo (auto gives the CPU engine)"
	CGO_ENABLED=0 go test -count=1 ./gpu/
	echo "== go test (native, portable loops)"
	# gpu/ and cmd/cgru run the WebGPU engine on the first adapter (Mesa's
	# lavapipe in CI) and in headless Chromium (SwiftShader); without one they
	# fail, unless CGRU_NO_GPU=1 / CGRU_NO_BROWSER=1 skip them knowingly.
	go test -count=1 ./...
	echo "== go test (native, GOEXPERIMENT=simd kernels)"
	GOEXPERIMENT=$SIMD_EXPERIMENT go vet ./model/...
	GOEXPERIMENT=$SIMD_EXPERIMENT go test -count=1 ./model/... ./cmd/...
	echo "== go test (GOOS=js GOARCH=wasm under Node)"
	local wasmexec
	wasmexec="$(go env GOROOT)/lib/wasm"
	[ -x "$wasmexec/go_js_wasm_exec" ] || wasmexec="$(go env GOROOT)/misc/wasm"
	PATH="$wasmexec:$PATH" GOOS=js GOARCH=wasm go test -count=1 ./model/... ./data/...
	echo "== the README's tour (docs/quickstart.sh on the embedded data)"
	build_cli
	local tour
	tour="$(mktemp -d)"
	docs/quickstart.sh "$tour" >"$tour/log" 2>&1 || { cat "$tour/log"; echo "docs/quickstart.sh failed" >&2; return 1; }
	echo "ok: $(ls "$tour/report" | wc -l) report files in $tour/report"
	echo "== fuzzing (${FUZZTIME} per target)"
	for t in "${FUZZ_TARGETS[@]}"; do
		go test -run='^$' -fuzz="^${t#* }\$" -fuzztime="$FUZZTIME" "./${t% *}"
	done
}

case "${1:-build}" in
build)
	build_cli
	;;
serve)
	build_cli
	echo "The web page (site/, wasm/, serve/) is not built yet: this stage ships the engine and the CLI."
	echo "Try: bin/cgru --help"
	;;
test)
	run_tests
	;;
*)
	echo "usage: ./build.sh [build|serve|test]" >&2
	exit 2
	;;
esac
