//go:build !cgo && !js

package gpu

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cgru/cgru/model"
)

// TestNoWebGPUBuild: a build without cgo has no WebGPU; "auto" gives the
// CPU engine with that reason and "webgpu" is an error.
func TestNoWebGPUBuild(t *testing.T) {
	c, err := Choose(context.Background(), "auto", 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Engine.(*model.CPU[float32]); !ok || c.Backend != "cpu" || !strings.Contains(c.Reason, "without cgo") {
		t.Fatalf("auto: %T %q %q", c.Engine, c.Backend, c.Reason)
	}
	_, err = Choose(context.Background(), "webgpu", 2)
	if !errors.Is(err, ErrNoWebGPU) {
		t.Fatalf("webgpu: err %v, want ErrNoWebGPU", err)
	}
}
