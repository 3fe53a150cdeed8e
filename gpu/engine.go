//go:build cgo || js

package gpu

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/cgru/cgru/model"
	"github.com/cgru/cgru/shaders"
	"github.com/cogentcore/webgpu/wgpu"
)

// MaxHidden is the largest hidden size the engine runs (the CGRU kernels use
// 2H invocations per workgroup; WebGPU guarantees 256). A device with
// smaller limits lowers it (Engine.MaxHidden).
const MaxHidden = 128

// maxGroups is the largest workgroup count of one dispatch dimension
// (WebGPU's default maxComputeWorkgroupsPerDimension).
const maxGroups = 65535

// res is the number of floats of the result header in the dd buffer
// (shaders/common.wgsl RES and R_*).
const (
	res       = 16
	rLoss     = 0
	rPenalty  = 1
	rNorm     = 2
	rOK       = 3
	rBad      = 4
	dimsBytes = 96
)

// Engine is the WebGPU engine. Its model.Engine methods panic with an *Error
// when the GPU fails; the ...Err methods and TrainStep return it. An Engine
// must not be used by several goroutines at once.
type Engine struct {
	// LossOnCPU evaluates the loss on the CPU between two submits (a
	// readback of the distances and an upload of dL/dd) instead of in the
	// loss kernel. Losses other than model.Contrastive and model.Structural
	// always go that way. For measurements; the default (false) is faster.
	LossOnCPU bool

	d      *device
	faults *faults
	progs  map[shapeKey]*program
	bufs   [nbuf]gbuf
	groups map[groupKey]*wgpu.BindGroup
	pairsN int // the pairs buffer holds AllPairs(pairsN); −1: something else
	trash  []*wgpu.BindGroup
	mirror mirror
	stats  Stats
	closed bool
}

// Stats returns the counts of GPU work so far.
func (e *Engine) Stats() Stats { return e.stats }

// Adapter describes the adapter the engine runs on.
func (e *Engine) Adapter() string { return e.d.name }

// Software reports whether the adapter is a CPU implementation of WebGPU
// (Mesa's lavapipe, SwiftShader): correct, but slower than the pure-Go
// engine (README, "The GPU engine").
func (e *Engine) Software() bool { return e.d.software }

// MaxHidden is the largest hidden size this device runs.
func (e *Engine) MaxHidden() int {
	l := e.d.limits
	h := MaxHidden
	h = min(h, int(l.MaxComputeInvocationsPerWorkgroup)/2, int(l.MaxComputeWorkgroupSizeX)/2)
	return h
}

// Open gets an adapter and a device and returns an engine on them.
func Open(ctx context.Context) (*Engine, error) { return open(ctx, nil) }

func open(ctx context.Context, f *faults) (*Engine, error) {
	d, err := openDevice(ctx, f)
	if err != nil {
		return nil, &Error{Op: "open", Err: err}
	}
	l := d.limits
	if l.MaxComputeInvocationsPerWorkgroup < 256 || l.MaxComputeWorkgroupSizeX < 256 || l.MaxStorageBuffersPerShaderStage < 7 {
		d.release()
		return nil, &Error{Op: "open", Err: fmt.Errorf("%w: %d invocations per workgroup, workgroup size x %d, %d storage buffers per stage (want 256, 256, 7)",
			ErrLimits, l.MaxComputeInvocationsPerWorkgroup, l.MaxComputeWorkgroupSizeX, l.MaxStorageBuffersPerShaderStage)}
	}
	if f != nil && f.software != nil {
		d.software = *f.software
	}
	return &Engine{d: d, faults: f, progs: map[shapeKey]*program{}, groups: map[groupKey]*wgpu.BindGroup{}, pairsN: -1}, nil
}

// Close releases the device and everything on it. The engine is unusable
// afterwards.
func (e *Engine) Close() {
	if e == nil || e.closed {
		return
	}
	e.closed = true
	for _, g := range e.groups {
		g.Release()
	}
	for _, g := range e.trash {
		g.Release()
	}
	for _, p := range e.progs {
		p.release()
	}
	for i := range e.bufs {
		if b := e.bufs[i].b; b != nil {
			b.Destroy()
			b.Release()
		}
	}
	e.d.release()
}

// ---- buffers ----

type bufID int

const (
	bDims    bufID = iota // uniform Dims
	bState                // [3·NP] params | m | v
	bX                    // [N][T][I]
	bGI                   // [N][T][G]
	bPairs                // [P][2] u32
	bTape                 // CGRU [P][T][2][H], SGRU [N][T][H]
	bHT                   // SGRU [N][H]
	bDD                   // [RES + 5P]
	bLabels               // [N] i32
	bPartial              // [parts][NP]
	bGrad                 // [NP]
	bStaging              // readback
	nbuf
)

var bufNames = [nbuf]string{"dims", "state", "x", "gi", "pairs", "tape", "hT", "dd", "labels", "partial", "grad", "staging"}

type gbuf struct {
	b    *wgpu.Buffer
	size uint64
}

// need makes buffer id at least n bytes long. A new buffer invalidates the
// bind groups (and, for the state buffer, the mirror).
func (e *Engine) need(id bufID, n uint64) error {
	if n < 16 {
		n = 16
	}
	n = (n + 255) &^ 255
	if e.bufs[id].b != nil && e.bufs[id].size >= n {
		return nil
	}
	l := e.d.limits
	usage := wgpu.BufferUsageStorage | wgpu.BufferUsageCopyDst | wgpu.BufferUsageCopySrc
	switch id {
	case bDims:
		usage = wgpu.BufferUsageUniform | wgpu.BufferUsageCopyDst
	case bStaging:
		usage = wgpu.BufferUsageMapRead | wgpu.BufferUsageCopyDst
	default:
		if n > l.MaxStorageBufferBindingSize {
			return fmt.Errorf("%w: the %s buffer needs %d MiB, the device binds at most %d MiB",
				ErrLimits, bufNames[id], n>>20, l.MaxStorageBufferBindingSize>>20)
		}
	}
	if n > l.MaxBufferSize {
		return fmt.Errorf("%w: the %s buffer needs %d MiB, the device allows %d MiB", ErrLimits, bufNames[id], n>>20, l.MaxBufferSize>>20)
	}
	if old := e.bufs[id].b; old != nil {
		old.Destroy()
		old.Release()
		e.bufs[id] = gbuf{}
	}
	b, err := e.d.dev.CreateBuffer(&wgpu.BufferDescriptor{Label: "cgru " + bufNames[id], Usage: usage, Size: n})
	if err != nil {
		return fmt.Errorf("creating the %s buffer (%d bytes): %w", bufNames[id], n, err)
	}
	e.bufs[id] = gbuf{b: b, size: n}
	// Bind groups that name the old buffer are dropped; they are released
	// after the next submit, as a command buffer being recorded may use them.
	for k, g := range e.groups {
		e.trash = append(e.trash, g)
		delete(e.groups, k)
	}
	if id == bState {
		e.mirror = mirror{}
	}
	if id == bPairs {
		e.pairsN = -1
	}
	return nil
}

func (e *Engine) write(id bufID, off uint64, b []byte) error {
	if len(b) == 0 {
		return nil
	}
	e.stats.UploadBytes += int64(len(b))
	if err := e.d.writeBuffer(e.bufs[id].b, off, b); err != nil {
		return fmt.Errorf("writing the %s buffer: %w", bufNames[id], err)
	}
	return nil
}

func (e *Engine) writeDims(d *dims) error {
	if err := e.need(bDims, dimsBytes); err != nil {
		return err
	}
	return e.write(bDims, 0, d.bytes())
}

func f32bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

func u32bytes(v []uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, u := range v {
		binary.LittleEndian.PutUint32(b[4*i:], u)
	}
	return b
}

func bytesF32(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// dims is the uniform of shaders/common.wgsl (same field order).
type dims struct {
	N, T, P, Tape, Loss, Parts, Coupled, AdamT         uint32
	Margin, Alpha, Tau, Beta, TGap                     float32
	LRStep, Beta1, Beta2, Eps, WD, BC2, Clip, Coupling float32
}

func (d *dims) bytes() []byte {
	u := []uint32{d.N, d.T, d.P, d.Tape, d.Loss, d.Parts, d.Coupled, d.AdamT}
	f := []float32{d.Margin, d.Alpha, d.Tau, d.Beta, d.TGap, d.LRStep, d.Beta1, d.Beta2, d.Eps, d.WD, d.BC2, d.Clip, d.Coupling, 0, 0, 0}
	b := append(u32bytes(u), f32bytes(f)...)
	if len(b) != dimsBytes {
		panic("gpu: dims size")
	}
	return b
}

// lossDims sets the loss fields of d and reports whether the loss kernel
// implements loss.
func lossDims(loss model.Loss, d *dims) bool {
	switch l := loss.(type) {
	case model.Contrastive:
		d.Loss, d.Margin = 0, float32(l.Margin)
	case *model.Contrastive:
		d.Loss, d.Margin = 0, float32(l.Margin)
	case model.Structural:
		d.Loss, d.Alpha, d.Tau, d.Beta, d.TGap = 1, float32(l.Alpha), float32(l.Tau), float32(l.Beta), float32(l.T)
	case *model.Structural:
		d.Loss, d.Alpha, d.Tau, d.Beta, d.TGap = 1, float32(l.Alpha), float32(l.Tau), float32(l.Beta), float32(l.T)
	default:
		return false
	}
	return true
}

// ---- programs: the pipelines of one network shape ----

type shapeKey struct {
	kind model.Kind
	I, H int
}

type access int

const (
	ro access = iota
	rw
)

type binding struct {
	buf bufID
	acc access
}

// kernelBindings lists bindings 1… of each kernel (binding 0 is dims), as
// the headers of the .wgsl files do.
var kernelBindings = map[string][]binding{
	"project":       {{bState, ro}, {bX, ro}, {bGI, rw}},
	"cgru_forward":  {{bState, ro}, {bGI, ro}, {bPairs, ro}, {bTape, rw}, {bDD, rw}},
	"cgru_backward": {{bState, ro}, {bGI, ro}, {bX, ro}, {bPairs, ro}, {bTape, ro}, {bDD, ro}, {bPartial, rw}},
	"sgru_forward":  {{bState, ro}, {bGI, ro}, {bTape, rw}, {bHT, rw}},
	"pair_distance": {{bHT, ro}, {bPairs, ro}, {bDD, rw}},
	"sgru_backward": {{bState, ro}, {bGI, ro}, {bX, ro}, {bTape, ro}, {bDD, ro}, {bPartial, rw}},
	"loss":          {{bLabels, ro}, {bPairs, ro}, {bDD, rw}},
	"reduce":        {{bPartial, ro}, {bGrad, rw}},
	"adam":          {{bState, rw}, {bGrad, rw}, {bDD, rw}},
}

type kernel struct {
	name string
	wg   int
	mod  *wgpu.ShaderModule
	bgl  *wgpu.BindGroupLayout
	pl   *wgpu.PipelineLayout
	pipe *wgpu.ComputePipeline
}

type program struct {
	key     shapeKey
	layout  model.Layout
	np      int
	kernels map[string]*kernel
}

func (p *program) release() {
	for _, k := range p.kernels {
		if k.pipe != nil {
			k.pipe.Release()
		}
		if k.pl != nil {
			k.pl.Release()
		}
		if k.bgl != nil {
			k.bgl.Release()
		}
		if k.mod != nil {
			k.mod.Release()
		}
	}
}

type groupKey struct {
	shape  shapeKey
	kernel string
}

// program returns the pipelines for net's shape, building them the first
// time.
func (e *Engine) program(net *model.Net[float32]) (*program, error) {
	key := shapeKey{net.Kind, net.Input, net.Hidden}
	if p := e.progs[key]; p != nil {
		return p, nil
	}
	if net.Hidden > e.MaxHidden() {
		return nil, fmt.Errorf("%w: hidden size %d, this device runs at most %d", ErrLimits, net.Hidden, e.MaxHidden())
	}
	l := net.Layout()
	off := [6]int{l.WeightIH, l.WeightHH, l.BiasIH, l.BiasHH, max(l.WeightHC, 0), max(l.BiasHC, 0)}
	names := []string{"project", "loss", "reduce", "adam"}
	if net.Kind == model.CGRU {
		names = append(names, "cgru_forward", "cgru_backward")
	} else {
		names = append(names, "sgru_forward", "sgru_backward", "pair_distance")
	}
	p := &program{key: key, layout: l, np: l.Size, kernels: map[string]*kernel{}}
	e.d.pushErrors()
	var firstErr error
	for _, name := range names {
		wg := 64
		switch name {
		case "cgru_forward", "cgru_backward":
			wg = 2 * net.Hidden
		case "sgru_forward", "sgru_backward":
			wg = net.Hidden
		case "loss", "adam":
			wg = 256
		}
		k, err := e.buildKernel(name, shaders.Source(name, shaders.Consts(net.Hidden, net.Input, l.Size, off, wg)), wg)
		if k != nil {
			p.kernels[name] = k
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if err := e.d.popErrors(); err != nil && firstErr == nil {
		firstErr = fmt.Errorf("building the pipelines: %w", err)
	}
	if firstErr != nil {
		p.release()
		return nil, firstErr
	}
	e.progs[key] = p
	return p, nil
}

func (e *Engine) buildKernel(name, src string, wg int) (*kernel, error) {
	dev := e.d.dev
	k := &kernel{name: name, wg: wg}
	var err error
	k.mod, err = dev.CreateShaderModule(&wgpu.ShaderModuleDescriptor{Label: name + ".wgsl", WGSLDescriptor: &wgpu.ShaderModuleWGSLDescriptor{Code: src}})
	if err != nil {
		return k, fmt.Errorf("compiling %s.wgsl: %w", name, err)
	}
	entries := []wgpu.BindGroupLayoutEntry{{Binding: 0, Visibility: wgpu.ShaderStageCompute,
		Buffer: wgpu.BufferBindingLayout{Type: wgpu.BufferBindingTypeUniform}}}
	for i, b := range kernelBindings[name] {
		t := wgpu.BufferBindingTypeReadOnlyStorage
		if b.acc == rw {
			t = wgpu.BufferBindingTypeStorage
		}
		entries = append(entries, wgpu.BindGroupLayoutEntry{Binding: uint32(i + 1), Visibility: wgpu.ShaderStageCompute,
			Buffer: wgpu.BufferBindingLayout{Type: t}})
	}
	k.bgl, err = dev.CreateBindGroupLayout(&wgpu.BindGroupLayoutDescriptor{Label: name, Entries: entries})
	if err != nil {
		return k, fmt.Errorf("bind group layout of %s: %w", name, err)
	}
	k.pl, err = dev.CreatePipelineLayout(&wgpu.PipelineLayoutDescriptor{Label: name, BindGroupLayouts: []*wgpu.BindGroupLayout{k.bgl}})
	if err != nil {
		return k, fmt.Errorf("pipeline layout of %s: %w", name, err)
	}
	k.pipe, err = dev.CreateComputePipeline(&wgpu.ComputePipelineDescriptor{Layout: k.pl,
		Compute: wgpu.ProgrammableStageDescriptor{Module: k.mod, EntryPoint: "main"}})
	if err != nil {
		return k, fmt.Errorf("pipeline of %s: %w", name, err)
	}
	return k, nil
}

func (e *Engine) bindGroup(p *program, k *kernel) (*wgpu.BindGroup, error) {
	key := groupKey{p.key, k.name}
	if g := e.groups[key]; g != nil {
		return g, nil
	}
	entries := []wgpu.BindGroupEntry{{Binding: 0, Buffer: e.bufs[bDims].b, Size: wgpu.WholeSize}}
	for i, b := range kernelBindings[k.name] {
		if e.bufs[b.buf].b == nil {
			if err := e.need(b.buf, 16); err != nil {
				return nil, err
			}
		}
		entries = append(entries, wgpu.BindGroupEntry{Binding: uint32(i + 1), Buffer: e.bufs[b.buf].b, Size: wgpu.WholeSize})
	}
	g, err := e.d.dev.CreateBindGroup(&wgpu.BindGroupDescriptor{Label: k.name, Layout: k.bgl, Entries: entries})
	if err != nil {
		return nil, fmt.Errorf("bind group of %s: %w", k.name, err)
	}
	e.groups[key] = g
	return g, nil
}

// ---- encoding and submitting ----

// run is one command buffer in the making: dispatches in one compute
// pass, then copies into the staging buffer for one readback.
type run struct {
	e     *Engine
	p     *program
	enc   *wgpu.CommandEncoder
	pass  *wgpu.ComputePassEncoder
	err   error
	reads []readSpan
}

type readSpan struct {
	buf      bufID
	off, len uint64 // bytes
}

func (e *Engine) begin(p *program) *run {
	r := &run{e: e, p: p}
	// Every buffer the kernels bind must exist before the first bind group
	// of the command buffer is made.
	for id := range bStaging {
		if err := e.need(id, 16); err != nil {
			r.err = err
			return r
		}
	}
	enc, err := e.d.dev.CreateCommandEncoder(nil)
	if err != nil {
		r.err = fmt.Errorf("command encoder: %w", err)
		return r
	}
	r.enc = enc
	return r
}

// dispatch records kernel name over groups workgroups (split over y when
// there are more than maxGroups).
func (r *run) dispatch(name string, groups int) {
	if r.err != nil || groups == 0 {
		return
	}
	k := r.p.kernels[name]
	g, err := r.e.bindGroup(r.p, k)
	if err != nil {
		r.err = err
		return
	}
	if r.pass == nil {
		r.pass = r.enc.BeginComputePass(nil)
	}
	x, y := groups, 1
	if groups > maxGroups {
		x, y = maxGroups, (groups+maxGroups-1)/maxGroups
	}
	r.pass.SetPipeline(k.pipe)
	r.pass.SetBindGroup(0, g, nil)
	r.pass.DispatchWorkgroups(uint32(x), uint32(y), 1)
	r.e.stats.Dispatches++
}

// elems returns the workgroups for n invocations of 64.
func elems(n int) int { return (n + 63) / 64 }

// read asks for n floats of buf from float offset off in the readback.
func (r *run) read(buf bufID, off, n int) {
	r.reads = append(r.reads, readSpan{buf, 4 * uint64(off), 4 * uint64(n)})
}

// submit ends the pass, copies the reads into the staging buffer, submits,
// waits and returns the floats read, one slice per read.
func (r *run) submit() ([][]float32, error) {
	e := r.e
	if r.err != nil {
		return nil, r.err
	}
	if r.pass != nil {
		r.pass.End()
		r.pass.Release() // before Finish (gfx-rs/wgpu#6145, wgpu-native#412)
		r.pass = nil
	}
	var total uint64
	for _, s := range r.reads {
		total += s.len
	}
	if total > 0 {
		if err := e.need(bStaging, total); err != nil {
			return nil, err
		}
	}
	var at uint64
	for _, s := range r.reads {
		if s.len > 0 {
			r.enc.CopyBufferToBuffer(e.bufs[s.buf].b, s.off, e.bufs[bStaging].b, at, s.len)
		}
		at += s.len
	}
	cmd, err := r.enc.Finish(nil)
	r.enc.Release()
	if err != nil {
		return nil, fmt.Errorf("encoding: %w", err)
	}
	e.stats.Submits++
	if f := e.faults; f != nil && f.loseAtSubmit > 0 && e.stats.Submits >= f.loseAtSubmit {
		cmd.Release()
		reason := fmt.Sprintf("simulated by a test at submit %d", f.loseAtSubmit)
		e.d.setLost(reason)
		return nil, fmt.Errorf("%w: %s", ErrDeviceLost, reason)
	}
	e.d.queue.Submit(cmd)
	cmd.Release()
	for _, g := range e.trash {
		g.Release() // the submitted work keeps what it uses alive
	}
	e.trash = e.trash[:0]
	if total == 0 {
		return nil, nil
	}
	b, err := e.readStaging(total)
	if err != nil {
		return nil, err
	}
	out := make([][]float32, len(r.reads))
	at = 0
	for i, s := range r.reads {
		out[i] = bytesF32(b[at : at+s.len])
		at += s.len
	}
	return out, nil
}

// readStaging maps the first n bytes of the staging buffer and copies them.
func (e *Engine) readStaging(n uint64) ([]byte, error) {
	st := e.bufs[bStaging].b
	done := make(chan wgpu.BufferMapAsyncStatus, 1)
	if err := st.MapAsync(wgpu.MapModeRead, 0, n, func(s wgpu.BufferMapAsyncStatus) { done <- s }); err != nil {
		return nil, fmt.Errorf("mapping the readback: %w", err)
	}
	var status wgpu.BufferMapAsyncStatus
wait:
	for {
		select {
		case status = <-done:
			break wait
		default:
			if r := e.d.lostReason(); r != "" {
				return nil, fmt.Errorf("%w: %s", ErrDeviceLost, r)
			}
			e.d.poll()
		}
	}
	if status != wgpu.BufferMapAsyncStatusSuccess {
		return nil, fmt.Errorf("mapping the readback: status %v", status)
	}
	m := st.GetMappedRange(0, uint(n))
	b := make([]byte, n)
	copy(b, m)
	st.Unmap()
	e.stats.Readbacks++
	e.stats.ReadbackBytes += int64(n)
	return b, nil
}

// ---- the parameter mirror ----

// mirror is what the state buffer holds, as last uploaded or read back.
type mirror struct {
	key             shapeKey
	params, m, v    []float32
	hasParams, hasM bool
}

func same(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// syncParams uploads net's parameters unless the device has them.
func (e *Engine) syncParams(p *program, net *model.Net[float32]) error {
	if err := e.need(bState, uint64(12*p.np)); err != nil {
		return err
	}
	mr := &e.mirror
	if mr.key != p.key {
		*mr = mirror{key: p.key}
	}
	if mr.hasParams && same(mr.params, net.Params) {
		return nil
	}
	if err := e.write(bState, 0, f32bytes(net.Params)); err != nil {
		return err
	}
	mr.params = append(mr.params[:0], net.Params...)
	mr.hasParams = true
	return nil
}

// syncState uploads net's parameters and opt's moments unless the device
// has them (moments of nil are zero).
func (e *Engine) syncState(p *program, net *model.Net[float32], opt *model.Adam[float32]) error {
	if err := e.syncParams(p, net); err != nil {
		return err
	}
	m, v := opt.M, opt.V
	if m == nil {
		m, v = make([]float32, p.np), make([]float32, p.np)
	}
	mr := &e.mirror
	if mr.hasM && same(mr.m, m) && same(mr.v, v) {
		return nil
	}
	if err := e.write(bState, 4*uint64(p.np), f32bytes(append(append([]float32(nil), m...), v...))); err != nil {
		return err
	}
	mr.m = append(mr.m[:0], m...)
	mr.v = append(mr.v[:0], v...)
	mr.hasM = true
	return nil
}

// ---- the operations ----

// guard turns a panic inside a GPU operation (the js binding throws on a
// lost device) into an error, and wraps every error in an *Error.
func (e *Engine) guard(op string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%v", r)
	}
	if *err != nil {
		var ge *Error
		var nf *model.NonFiniteError
		if !errors.As(*err, &ge) && !errors.As(*err, &nf) {
			*err = &Error{Op: op, Err: *err}
		}
	}
}

func (e *Engine) usable() error {
	if e.closed {
		return errors.New("the engine is closed")
	}
	if r := e.d.lostReason(); r != "" {
		return fmt.Errorf("%w: %s", ErrDeviceLost, r)
	}
	return nil
}

// batch uploads x and labels and sizes the buffers of a loss-and-gradient
// pass over all pairs of x.
func (e *Engine) batch(p *program, x model.Seqs[float32], labels []int) error {
	N, T, P := x.N, x.T, model.NumPairs(x.N)
	H := p.key.H
	cg := p.key.kind == model.CGRU
	tape := N * T * H
	parts := N
	if cg {
		tape, parts = P*T*2*H, P
	}
	for _, s := range []struct {
		id bufID
		n  int
	}{{bX, N * T * x.I}, {bGI, N * T * 3 * H}, {bPairs, 2 * P}, {bTape, tape}, {bHT, N * H},
		{bDD, res + 5*P}, {bLabels, N}, {bPartial, parts * p.np}, {bGrad, p.np}} {
		if err := e.need(s.id, 4*uint64(s.n)); err != nil {
			return err
		}
	}
	if err := e.write(bX, 0, f32bytes(x.X)); err != nil {
		return err
	}
	lb := make([]uint32, N)
	for i, v := range labels {
		lb[i] = uint32(int32(v))
	}
	if err := e.write(bLabels, 0, u32bytes(lb)); err != nil {
		return err
	}
	if e.pairsN != N {
		pp := make([]uint32, 0, 2*P)
		for _, q := range model.AllPairs(N) {
			pp = append(pp, uint32(q.A), uint32(q.B))
		}
		if err := e.write(bPairs, 0, u32bytes(pp)); err != nil {
			return err
		}
		e.pairsN = N
	}
	return nil
}

// trainIn are the settings of a training step's Adam update.
type trainIn struct {
	opt *model.Adam[float32]
	reg model.Regularization
}

// stepOut is what a loss-and-gradient pass (and a training step) read back.
type stepOut struct {
	loss    float64
	dist    []float64
	grad    []float32 // LossGrad
	state   []float32 // training step: params | m | v after the step
	penalty float64
	norm    float64
	ok      bool
	bad     int
}

// pass runs the loss and gradient of all pairs of x and, with tr, the rest
// of a training step, and reads back what the caller needs.
func (e *Engine) pass(p *program, x model.Seqs[float32], labels []int, loss model.Loss, tr *trainIn) (*stepOut, error) {
	N, T, P := x.N, x.T, model.NumPairs(x.N)
	cg := p.key.kind == model.CGRU
	dm := dims{N: uint32(N), T: uint32(T), P: uint32(P), Tape: 1, Parts: uint32(N)}
	if cg {
		dm.Parts, dm.Coupled = uint32(P), 1
	}
	onGPU := lossDims(loss, &dm) && !e.LossOnCPU
	if tr != nil {
		o := tr.opt
		t := o.T + 1
		dm.AdamT = uint32(t)
		dm.LRStep = float32(o.LR / (1 - math.Pow(o.Beta1, float64(t))))
		dm.BC2 = float32(1 - math.Pow(o.Beta2, float64(t)))
		dm.Beta1, dm.Beta2, dm.Eps, dm.WD = float32(o.Beta1), float32(o.Beta2), float32(o.Eps), float32(o.WeightDecay)
		dm.Clip, dm.Coupling = float32(tr.reg.ClipNorm), float32(tr.reg.Coupling)
	}
	if err := e.batch(p, x, labels); err != nil {
		return nil, err
	}
	e.d.pushErrors()
	if err := e.writeDims(&dm); err != nil {
		return nil, err
	}
	out := &stepOut{}
	r := e.begin(p)
	r.dispatch("project", elems(N*T*3*p.key.H))
	if cg {
		r.dispatch("cgru_forward", P)
	} else {
		r.dispatch("sgru_forward", N)
		r.dispatch("pair_distance", elems(P))
	}
	if !onGPU {
		// The loss on the CPU: read the distances back, upload dL/dd.
		r.read(bDD, res, P)
		got, err := r.submit()
		if err != nil {
			return nil, err
		}
		out.dist = f64(got[0])
		gd := make([]float64, P)
		out.loss = loss.Eval(out.dist, labels, gd)
		g32 := make([]float32, P)
		for i, v := range gd {
			g32[i] = float32(v)
		}
		if err := e.write(bDD, 4*uint64(res+P), f32bytes(g32)); err != nil {
			return nil, err
		}
		if err := e.write(bDD, 0, f32bytes([]float32{float32(out.loss)})); err != nil {
			return nil, err
		}
		r = e.begin(p)
	} else {
		r.dispatch("loss", 1)
	}
	if cg {
		r.dispatch("cgru_backward", P)
	} else {
		r.dispatch("sgru_backward", N)
	}
	r.dispatch("reduce", elems(p.np))
	if tr != nil {
		r.dispatch("adam", 1)
	}
	r.read(bDD, 0, res+P)
	if tr != nil {
		r.read(bState, 0, 3*p.np)
	} else {
		r.read(bGrad, 0, p.np)
	}
	got, err := r.submit()
	if err != nil {
		return nil, err
	}
	if err := e.d.popErrors(); err != nil {
		return nil, err
	}
	hd := got[0]
	if onGPU {
		out.loss = float64(hd[rLoss])
		out.dist = f64(hd[res:])
	}
	if tr != nil {
		out.state = got[1]
		out.penalty, out.norm = float64(hd[rPenalty]), float64(hd[rNorm])
		out.ok, out.bad = hd[rOK] == 1, int(hd[rBad])
	} else {
		out.grad = got[1]
	}
	return out, nil
}

func f64(v []float32) []float64 {
	d := make([]float64, len(v))
	for i, f := range v {
		d[i] = float64(f)
	}
	return d
}

func checkBatch(net *model.Net[float32], x model.Seqs[float32], labels []int) {
	if x.N < 0 || x.T <= 0 || x.I != net.Input || len(x.X) != x.N*x.T*x.I {
		panic(fmt.Sprintf("gpu: bad sequence batch N=%d T=%d I=%d len=%d for input size %d", x.N, x.T, x.I, len(x.X), net.Input))
	}
	if len(labels) != x.N {
		panic(fmt.Sprintf("gpu: %d labels for %d sequences", len(labels), x.N))
	}
}

// LossGradErr is model.CPU.LossGrad on the GPU: the loss of all pairs of x,
// its gradient in grad (len(net.Params)) and the distances (row-major). It
// panics if shapes do not match, and returns an *Error if the GPU fails.
func (e *Engine) LossGradErr(net *model.Net[float32], x model.Seqs[float32], labels []int, loss model.Loss, grad []float32) (l float64, d []float64, err error) {
	checkBatch(net, x, labels)
	if len(grad) != len(net.Params) {
		panic(fmt.Sprintf("gpu: %d gradients for %d parameters", len(grad), len(net.Params)))
	}
	defer e.guard("loss and gradient", &err)
	if err := e.usable(); err != nil {
		return 0, nil, err
	}
	if x.N < 2 {
		clear(grad)
		return loss.Eval(nil, labels, nil), []float64{}, nil
	}
	p, err := e.program(net)
	if err != nil {
		return 0, nil, err
	}
	if err := e.syncParams(p, net); err != nil {
		return 0, nil, err
	}
	out, err := e.pass(p, x, labels, loss, nil)
	if err != nil {
		return 0, nil, err
	}
	copy(grad, out.grad)
	return out.loss, out.dist, nil
}

// TrainStep implements model.StepEngine: model.TrainStep's loss, gradient,
// coupling penalty, clipping and Adam step in one submit on the GPU, with
// one readback (the results, the distances, the new parameters and
// moments). On a non-finite loss or gradient it returns a
// *model.NonFiniteError and leaves net and opt unchanged; on a GPU failure
// an *Error, with net and opt unchanged too.
func (e *Engine) TrainStep(net *model.Net[float32], opt *model.Adam[float32], reg model.Regularization,
	x model.Seqs[float32], labels []int, loss model.Loss) (res model.StepResult, err error) {
	checkBatch(net, x, labels)
	if opt.M != nil && (len(opt.M) != len(net.Params) || len(opt.V) != len(net.Params)) {
		panic(fmt.Sprintf("gpu: Adam state of %d for %d parameters", len(opt.M), len(net.Params)))
	}
	defer e.guard("training step", &err)
	if err := e.usable(); err != nil {
		return res, err
	}
	if x.N < 2 {
		// No pairs: no GPU work is worth it; the CPU step is exact.
		var cpu model.CPU[float32]
		return model.TrainStep[float32](&cpu, net, opt, reg, x, labels, loss, make([]float32, len(net.Params)))
	}
	p, err := e.program(net)
	if err != nil {
		return res, err
	}
	if err := e.syncState(p, net, opt); err != nil {
		return res, err
	}
	out, err := e.pass(p, x, labels, loss, &trainIn{opt: opt, reg: reg})
	if err != nil {
		e.mirror = mirror{} // the device may hold anything now
		return res, err
	}
	res = model.StepResult{Loss: out.loss, Distances: out.dist}
	if math.IsNaN(out.loss) || math.IsInf(out.loss, 0) {
		return res, &model.NonFiniteError{What: "loss"}
	}
	if !out.ok {
		l := p.layout
		t := l.Tensors[len(l.Tensors)-1]
		for _, tt := range l.Tensors {
			if out.bad < tt.Off+tt.Size() {
				t = tt
				break
			}
		}
		return res, &model.NonFiniteError{What: "gradient", Tensor: t.Name, Index: out.bad - t.Off}
	}
	res.Penalty, res.GradNorm = out.penalty, out.norm
	np := p.np
	copy(net.Params, out.state[:np])
	if opt.M == nil {
		opt.M, opt.V = make([]float32, np), make([]float32, np)
	}
	copy(opt.M, out.state[np:2*np])
	copy(opt.V, out.state[2*np:])
	opt.T++
	mr := &e.mirror
	mr.params = append(mr.params[:0], net.Params...)
	mr.m = append(mr.m[:0], opt.M...)
	mr.v = append(mr.v[:0], opt.V...)
	mr.hasParams, mr.hasM = true, true
	return res, nil
}

// DistancesErr is model.CPU.Distances on the GPU: d(x_a, x_b) for every
// pair. Large sets of pairs are split into several submits (at most 65535
// pairs, and as many sequences as the device's buffers hold, each). It
// panics if x does not match net or a pair is out of range, and returns an
// *Error if the GPU fails.
func (e *Engine) DistancesErr(net *model.Net[float32], x model.Seqs[float32], pairs []model.Pair) (d []float64, err error) {
	if x.N < 0 || x.T <= 0 || x.I != net.Input || len(x.X) != x.N*x.T*x.I {
		panic(fmt.Sprintf("gpu: bad sequence batch N=%d T=%d I=%d len=%d for input size %d", x.N, x.T, x.I, len(x.X), net.Input))
	}
	for _, p := range pairs {
		if p.A < 0 || int(p.A) >= x.N || p.B < 0 || int(p.B) >= x.N {
			panic(fmt.Sprintf("gpu: pair (%d,%d) out of range of %d sequences", p.A, p.B, x.N))
		}
	}
	defer e.guard("distances", &err)
	if err := e.usable(); err != nil {
		return nil, err
	}
	d = make([]float64, len(pairs))
	if len(pairs) == 0 {
		return d, nil
	}
	p, err := e.program(net)
	if err != nil {
		return nil, err
	}
	if err := e.syncParams(p, net); err != nil {
		return nil, err
	}
	H, T, I := p.key.H, x.T, x.I
	// Sequences per chunk: the input projections must fit one binding.
	maxSeq := int(e.d.limits.MaxStorageBufferBindingSize / uint64(4*T*3*H))
	maxSeq = min(maxSeq, maxGroups)
	if maxSeq < 2 {
		return nil, fmt.Errorf("%w: one sequence of %d steps does not fit", ErrLimits, T)
	}
	local := map[int32]uint32{}
	var seqs []int32
	var lp []uint32
	first := 0
	flush := func(end int) error {
		n := len(seqs)
		np := len(lp) / 2
		xs := make([]float32, 0, n*T*I)
		for _, s := range seqs {
			xs = append(xs, x.Seq(int(s))...)
		}
		for _, s := range []struct {
			id bufID
			n  int
		}{{bX, n * T * I}, {bGI, n * T * 3 * H}, {bPairs, 2 * np}, {bHT, n * H}, {bDD, res + np}} {
			if err := e.need(s.id, 4*uint64(s.n)); err != nil {
				return err
			}
		}
		if err := e.write(bX, 0, f32bytes(xs)); err != nil {
			return err
		}
		if err := e.write(bPairs, 0, u32bytes(lp)); err != nil {
			return err
		}
		e.pairsN = -1
		dm := dims{N: uint32(n), T: uint32(T), P: uint32(np)}
		e.d.pushErrors()
		if err := e.writeDims(&dm); err != nil {
			return err
		}
		r := e.begin(p)
		r.dispatch("project", elems(n*T*3*H))
		if p.key.kind == model.CGRU {
			r.dispatch("cgru_forward", np)
		} else {
			r.dispatch("sgru_forward", n)
			r.dispatch("pair_distance", elems(np))
		}
		r.read(bDD, res, np)
		got, err := r.submit()
		if err != nil {
			return err
		}
		if err := e.d.popErrors(); err != nil {
			return err
		}
		for i, v := range got[0] {
			d[first+i] = float64(v)
		}
		first = end
		clear(local)
		seqs, lp = seqs[:0], lp[:0]
		return nil
	}
	for i, q := range pairs {
		add := 0
		if _, ok := local[q.A]; !ok {
			add++
		}
		if _, ok := local[q.B]; !ok && q.B != q.A {
			add++
		}
		if len(seqs)+add > maxSeq || len(lp)/2 >= maxGroups {
			if err := flush(i); err != nil {
				return nil, err
			}
		}
		for _, s := range []int32{q.A, q.B} {
			if _, ok := local[s]; !ok {
				local[s] = uint32(len(seqs))
				seqs = append(seqs, s)
			}
		}
		lp = append(lp, local[q.A], local[q.B])
	}
	if err := flush(len(pairs)); err != nil {
		return nil, err
	}
	return d, nil
}

// LossGrad implements model.Engine; it panics with an *Error if the GPU
// fails (use LossGradErr, or the *Auto of Choose("auto"), to handle that).
func (e *Engine) LossGrad(net *model.Net[float32], x model.Seqs[float32], labels []int, loss model.Loss, grad []float32) (float64, []float64) {
	l, d, err := e.LossGradErr(net, x, labels, loss, grad)
	if err != nil {
		panic(err)
	}
	return l, d
}

// Distances implements model.Engine; it panics with an *Error if the GPU
// fails (use DistancesErr, or the *Auto of Choose("auto"), to handle that).
func (e *Engine) Distances(net *model.Net[float32], x model.Seqs[float32], pairs []model.Pair) []float64 {
	d, err := e.DistancesErr(net, x, pairs)
	if err != nil {
		panic(err)
	}
	return d
}
