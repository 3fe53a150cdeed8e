//go:build cgo && !unix && !js

package gpu

import "sync"

// xdgRuntimeDir and setXDGRuntimeDir: XDG_RUNTIME_DIR matters only where
// wgpu-native may probe a Wayland display (xdg_unix.go).
var xdgRuntimeDir sync.Once

func setXDGRuntimeDir() {}
