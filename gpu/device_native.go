//go:build cgo && !js

package gpu

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cogentcore/webgpu/wgpu"
)

// device is an adapter's device with what the engine needs around it.
type device struct {
	inst     *wgpu.Instance
	ad       *wgpu.Adapter
	dev      *wgpu.Device
	queue    *wgpu.Queue
	name     string
	software bool // a CPU implementation (lavapipe, llvmpipe, SwiftShader)
	limits   wgpu.Limits

	lostState
}

// adapterScore ranks adapters: a real GPU before a software one, Vulkan,
// Metal and D3D12 before OpenGL.
func adapterScore(info wgpu.AdapterInfo) int {
	s := 0
	switch info.AdapterType {
	case wgpu.AdapterTypeDiscreteGPU:
		s = 40
	case wgpu.AdapterTypeIntegratedGPU:
		s = 30
	case wgpu.AdapterTypeCPU:
		s = 10
	default:
		s = 20
	}
	switch info.BackendType {
	case wgpu.BackendTypeVulkan, wgpu.BackendTypeMetal, wgpu.BackendTypeD3D12:
		s += 5
	}
	return s
}

// openDevice enumerates the adapters (a non-nil instance descriptor crashed
// wgpu-native here, DESIGN.md §7), takes the best one and a device on it.
func openDevice(ctx context.Context, f *faults) (*device, error) {
	if f != nil && f.noAdapter {
		return nil, errors.New("no WebGPU adapter (simulated by a test)")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// wgpu-native logs its warnings to stderr ("[wgpu] [Warn] No config
	// found!" and the like on lavapipe): noise to a cgru user, whose
	// errors the engine reports itself. Errors only.
	wgpu.SetLogLevel(wgpu.LogLevelError)
	xdgRuntimeDir.Do(setXDGRuntimeDir) // xdg_unix.go
	inst := wgpu.CreateInstance(nil)
	if inst == nil {
		return nil, errors.New("wgpu-native did not create an instance")
	}
	ads := inst.EnumerateAdapters(nil)
	best, bestScore := -1, -1
	for i, a := range ads {
		if s := adapterScore(a.GetInfo()); s > bestScore {
			best, bestScore = i, s
		}
	}
	if best < 0 {
		inst.Release()
		return nil, errors.New("no WebGPU adapter: wgpu-native found no Vulkan, Metal, D3D12 or OpenGL device (without a GPU, install Mesa's lavapipe: apt-get install mesa-vulkan-drivers)")
	}
	for i, a := range ads {
		if i != best {
			a.Release()
		}
	}
	ad := ads[best]
	info := ad.GetInfo()
	d := &device{inst: inst, ad: ad, software: info.AdapterType == wgpu.AdapterTypeCPU}
	name := info.DriverDescription
	if name == "" {
		name = info.Name
	}
	d.name = fmt.Sprintf("%s (%s, %s, wgpu-native)", name, info.BackendType, info.AdapterType)
	// No DeviceLostCallback: the binding (v0.23.0) stores a Go pointer in
	// the C descriptor for it, which cgo's pointer check rejects ("argument
	// of cgo function has Go pointer to unpinned Go pointer"). Natively a
	// lost device shows as failing calls and readbacks instead.
	dev, err := ad.RequestDevice(&wgpu.DeviceDescriptor{Label: "cgru"})
	if err != nil {
		ad.Release()
		inst.Release()
		return nil, fmt.Errorf("adapter %s gave no device: %w", d.name, err)
	}
	d.dev = dev
	d.queue = dev.GetQueue()
	d.limits = dev.GetLimits().Limits
	return d, nil
}

// poll lets wgpu-native make progress and run callbacks. It does not block
// in the driver: Poll(true) after a submit that ran for seconds on lavapipe
// made the next Poll crash the process (measured here, wgpu-native of
// cogentcore/webgpu v0.23.0), so it polls without waiting and sleeps briefly.
func (d *device) poll() {
	d.dev.Poll(false, nil)
	time.Sleep(100 * time.Microsecond)
}

// pushErrors and popErrors bracket an operation: natively each wgpu call
// returns its own error, so there is nothing to do.
func (d *device) pushErrors()      {}
func (d *device) popErrors() error { return nil }

// writeBuffer writes b at offset off of buf.
func (d *device) writeBuffer(buf *wgpu.Buffer, off uint64, b []byte) error {
	return d.queue.WriteBuffer(buf, off, b)
}

func (d *device) release() {
	d.setClosing()
	d.queue.Release()
	d.dev.Release()
	d.ad.Release()
	d.inst.Release()
}
