//go:build cgo && unix && !js

package gpu

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// xdgRuntimeDir sets XDG_RUNTIME_DIR once per process.
var xdgRuntimeDir sync.Once

// setXDGRuntimeDir gives the process a private XDG_RUNTIME_DIR when it has
// none, or one that is not a directory: cgru-xdg-<uid> of mode 0700 in the
// temporary directory, the same one for every cgru process of the user (a
// new one from os.MkdirTemp if that name is taken by something that is not
// the user's own private directory).
//
// wgpu-native's OpenGL backend probes for a display when the instance is
// created, and without XDG_RUNTIME_DIR libwayland-client prints "error:
// XDG_RUNTIME_DIR is invalid or not set in the environment." several times
// to stderr, which cgru users read as failures (a headless machine, a
// container, a cron job). Choosing the backends in the instance descriptor
// would avoid the probe, but a non-nil descriptor crashes wgpu-native
// (DESIGN.md §7), so the variable is set instead. The directory stays empty
// (nothing connects to a display there).
func setXDGRuntimeDir() {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return
		}
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("cgru-xdg-%d", os.Getuid()))
	err := os.Mkdir(dir, 0o700)
	if err == nil {
		os.Chmod(dir, 0o700) // whatever the umask
	}
	if err != nil && !errors.Is(err, fs.ErrExist) || !privateDir(dir) {
		if dir, err = os.MkdirTemp("", "cgru-xdg-"); err != nil {
			return // the messages come back; nothing else changes
		}
	}
	os.Setenv("XDG_RUNTIME_DIR", dir)
}

// privateDir reports whether dir is a directory (not a link) of the
// process's user with mode 0700.
func privateDir(dir string) bool {
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}
