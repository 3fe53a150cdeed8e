// Package shaders holds cgru's WGSL compute shaders, embedded in the binary.
//
// Each kernel file starts with its bindings (group, binding, access, shape),
// its workgroup size and its dispatch formula. A kernel is not complete WGSL
// on its own: the GPU engine (package gpu) builds its source with [Source],
// which puts in front of it the constants of the network (H, I, G, NP, the
// parameter offsets, WG), common.wgsl and, for the recurrent kernels,
// gru_cell.wgsl, for the one-workgroup kernels (loss, adam) workgroup.wgsl.
//
//	project        W_ih·x + b_ih for every step of every sequence
//	cgru_forward   a CGRU pair through all T steps (one workgroup per pair)
//	cgru_backward  its BPTT, per-pair gradients
//	sgru_forward   a sequence through all T steps (one workgroup per sequence)
//	sgru_backward  its BPTT, per-sequence gradients
//	pair_distance  SGRU distances from final states
//	loss           contrastive or structural loss and dL/dd (one workgroup)
//	reduce         sum of the per-pair or per-sequence gradients
//	adam           coupling penalty, finite check, clipping, Adam (one workgroup)
package shaders

import (
	"embed"
	"fmt"
	"strings"
)

//go:embed *.wgsl
var files embed.FS

// Kernels lists the kernel names, in the order of the package comment.
var Kernels = []string{"project", "cgru_forward", "cgru_backward", "sgru_forward", "sgru_backward",
	"pair_distance", "loss", "reduce", "adam"}

// recurrent kernels include gru_cell.wgsl.
var recurrent = map[string]bool{"cgru_forward": true, "cgru_backward": true, "sgru_forward": true, "sgru_backward": true}

// oneWorkgroup kernels include workgroup.wgsl (sums and maxima over the
// workgroup).
var oneWorkgroup = map[string]bool{"loss": true, "adam": true}

// Text returns the embedded file name.wgsl. It panics if there is none.
func Text(name string) string {
	b, err := files.ReadFile(name + ".wgsl")
	if err != nil {
		panic("shaders: no kernel " + name)
	}
	return string(b)
}

// Source returns the complete WGSL of kernel name: consts (WGSL constant
// declarations made by the caller), common.wgsl, gru_cell.wgsl for the
// recurrent kernels, workgroup.wgsl for loss and adam, and the kernel. It
// panics if there is no such kernel.
func Source(name, consts string) string {
	var b strings.Builder
	b.WriteString(consts)
	b.WriteString("\n")
	b.WriteString(Text("common"))
	if recurrent[name] {
		b.WriteString("\n")
		b.WriteString(Text("gru_cell"))
	}
	if oneWorkgroup[name] {
		b.WriteString("\n")
		b.WriteString(Text("workgroup"))
	}
	b.WriteString("\n")
	b.WriteString(Text(name))
	return b.String()
}

// Consts returns the constant declarations of a network with hidden size h,
// (H, I, G = 3H, and H2, H3, G2, I3 for array sizes),
// input size i, np parameters at the given offsets (weight_ih, weight_hh,
// bias_ih, bias_hh, weight_hc, bias_hc; the last two 0 for an SGRU), for a
// kernel with workgroup size wg.
func Consts(h, i, np int, off [6]int, wg int) string {
	var b strings.Builder
	u := func(name string, v int) { fmt.Fprintf(&b, "const %s: u32 = %du;\n", name, v) }
	u("H", h)
	u("I", i)
	u("G", 3*h)
	u("H2", 2*h) // array sizes must be single constants for some WGSL front ends (naga)
	u("H3", 3*h)
	u("G2", 6*h)
	u("I3", 3*i)
	u("NP", np)
	for k, name := range []string{"OFF_WIH", "OFF_WHH", "OFF_BIH", "OFF_BHH", "OFF_WHC", "OFF_BHC"} {
		u(name, off[k])
	}
	u("WG", wg)
	return b.String()
}
