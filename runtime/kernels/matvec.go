package kernels

import (
	"fmt"
	"strings"

	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/runtime/vk"
	"github.com/vkllm/vkllm/shaders"
)

// MaxBatch is the most input vectors one matvec workgroup handles; larger
// batches are spread over the dispatch's z dimension.
const MaxBatch = 8

// matvecRows is how many weight rows one workgroup of the cooperative
// layout computes (NROWS).
const matvecRows = 2

// laneRows returns how many weight rows one invocation of the _rows
// variant computes (NROWS), so that each x load serves that many rows. On
// lavapipe, 4 rows lifted F32 from about 0.6 to about 1.0 of copy's
// bandwidth; for the block formats the decoded rows no longer fit in
// registers (their loops stay rolled and the arrays go to per-lane
// scratch), which made them 2-7 times slower (also with 2 rows), so they keep one.
func laneRows(t quant.Type) uint32 {
	if t.BlockSize() == 1 {
		return laneRowsFloat
	}
	return 1
}

const laneRowsFloat = 4

// MatMulMin is the smallest batch that Record hands to the tiled matmul
// kernel on GPUs; smaller batches use the matvec kernel, which streams the
// weights once per MaxBatch vectors. CPU devices never take the tiled
// kernel (see cpuMatMulMin).
const MatMulMin = 9

// cpuMatMulMin is MatMulMin on CPU devices: never. On lavapipe
// (BenchmarkMatMulCrossover, 1024×4096, µs per vector) the _rows matvecs,
// which keep MaxBatch vectors (and, for float formats, four rows) in
// registers, beat the shared-memory tiles (barriers are costly there) at
// every batch measured: float weights about 2× at 64 vectors, and block
// formats, since the texel and K-quant group work, about 6× (at 64: Q4_K
// 226–248 vs 1379–1408, Q8_0 224 vs 1516, Q6_K 267 vs 1984; before it the
// tiles won from 32 vectors for Q4_K and from 9 for Q8_0).
const cpuMatMulMin = 1 << 30

// WeightTypes lists the weight formats the GPU kernels read.
var WeightTypes = []quant.Type{
	quant.F32, quant.F16, quant.BF16, quant.Q8_0, quant.Q4_0, quant.Q4_1,
	quant.Q4_K, quant.Q5_K, quant.Q6_K,
}

// matvecKernels maps weight types to kernel names.
var matvecKernels = map[quant.Type]string{}

// matmulKernels maps weight types to the tiled kernels' names.
var matmulKernels = map[quant.Type]string{}

// gluKernels and gluMatmulKernels name the gate/up pair products (GLU).
var gluKernels, gluMatmulKernels = map[quant.Type]string{}, map[quant.Type]string{}

// Weight kernels register their specs with the table in spec.go: one
// matvec and one matmul kernel per format. Matvec variants are listed for
// GPUs (subgroup reductions first, the portable cooperative layout before
// the one-row-per-invocation layouts, which NewMatVec prefers on CPU
// drivers: _rows_tx or _rows_sx where subgroup shuffles exist, else
// _rows). The
// gate/up pair products (glu.go) list _rows_sx before the cooperative
// layout, which must come last as their only portable variant; GPUs with
// shuffles have subgroup arithmetic too and take _sg first.
func init() {
	for _, t := range WeightTypes {
		name := strings.ToLower(t.String())
		mv, mm := "matvec_"+name, "matmul_"+name
		matvecKernels[t], matmulKernels[t] = mv, mm
		var vs []string
		switch t {
		case quant.F16, quant.BF16:
			vs = append(vs, mv+"_sg_s16")
		case quant.Q8_0:
			vs = append(vs, mv+"_sg_s8")
		}
		vs = append(withTexels(mv, append(vs, mv+"_sg", mv, mv+"_rows_sx")), mv+"_rows")
		specs = append(specs,
			spec{name: mv, variants: vs, bindings: 3, push: 20, wg: 32},
			spec{name: mm, variants: []string{mm}, bindings: 3, push: 20, wg: 64})
		gv, gm := "matvec_glu_"+name, "matmul_glu_"+name
		gluKernels[t], gluMatmulKernels[t] = gv, gm
		specs = append(specs,
			spec{name: gv, variants: append(withTexels(gv, []string{gv + "_sg", gv + "_rows_sx"}), gv), bindings: 3, push: 20, wg: 32},
			spec{name: gm, variants: []string{gm}, bindings: 3, push: 20, wg: 64})
	}
}

// withTexels appends kernel's _rows_tx variant to vs where the shaders
// have one (the formats read in groups, shaders.groupTypes). It comes
// after _rows_sx, so no device takes it by default but through cpuVariant,
// which first checks that the device's texel views hold its weights.
func withTexels(kernel string, vs []string) []string {
	if _, err := shaders.Lookup(kernel + "_rows_tx"); err == nil {
		vs = append(vs, kernel+"_rows_tx")
	}
	return vs
}

// MatVec multiplies a weight matrix in a GGUF row layout (any of
// WeightTypes) by a batch of F32 vectors: y[b] = W · x[b] (matvec.comp),
// switching to the tiled matmul.comp for batches of MatMulMin() or more.
type MatVec struct {
	*program
	typ  quant.Type
	glu  bool    // gate/up pair product (NewMatVecGLU)
	rows bool    // one row per invocation (the _rows variants)
	sx   bool    // matvec_rows.comp (_rows_sx and _rows_tx): always one row
	sg   uint32  // SG specialization constant (matvec_rows.comp)
	coop uint32  // NROWS of the cooperative layout (matvecRows; BenchmarkMatVecLayout varies it)
	mm   *matMul // built on first use
}

// NewMatVec builds the product for weights of type t; variant "" picks the
// best for dev: on CPU devices the one-row-per-invocation layout (no
// reduction), with x shared by subgroup shuffles where the device has them
// (_rows_sx: measured fastest on lavapipe for every format, see
// BenchmarkMatVec), otherwise the first variant the device's features allow.
func NewMatVec(dev *vk.Device, t quant.Type, variant string) (*MatVec, error) {
	return newMatVec(dev, t, variant, false)
}

func newMatVec(dev *vk.Device, t quant.Type, variant string, glu bool) (*MatVec, error) {
	names := matvecKernels
	if glu {
		names = gluKernels
	}
	name, ok := names[t]
	if !ok {
		return nil, fmt.Errorf("kernels: matvec with %v weights: %w", t, vk.ErrUnsupported)
	}
	if variant == "" && dev.Physical().Type == vk.TypeCPU {
		variant = cpuVariant(dev, name, glu)
	}
	s, err := lookupSpec(name)
	if err != nil {
		return nil, err
	}
	v, err := chooseVariant(s, variant, FeaturesOf(dev.Features()))
	if err != nil {
		return nil, err
	}
	k := &MatVec{typ: t, glu: glu, rows: isRows(v.Name), sx: isShuffleRows(v.Name), sg: subgroupSize(dev), coop: matvecRows}
	if k.glu && k.sx && k.sg%2 != 0 {
		return nil, fmt.Errorf("kernels: %s: subgroups of %d lanes cannot hold row pairs: %w", v.Name, k.sg, vk.ErrUnsupported)
	}
	p, err := newProgram(dev, name, v.Name, k.consts(1, GLUSwiGLU)...)
	if err != nil {
		return nil, err
	}
	k.program = p
	return k, nil
}

// cpuVariant picks the variant for a CPU device: the one-row-per-invocation
// layout (no reduction, no shared memory), with x shared through subgroup
// shuffles where the device allows (and, for pairs, subgroups are even),
// and the weight groups and x read through texel views (_rows_tx) where
// the format has that variant and texelViewsCover. Pair products have no
// other such layout (shaders.gluVariants): "" leaves them the first
// variant the device allows.
func cpuVariant(dev *vk.Device, name string, glu bool) string {
	_, err := shaders.Lookup(name + "_rows_tx")
	texels := err == nil && texelViewsCover(dev)
	switch shuffle := dev.Features().SubgroupShuffle && (!glu || subgroupSize(dev)%2 == 0); {
	case shuffle && texels:
		return name + "_rows_tx"
	case shuffle:
		return name + "_rows_sx"
	case glu:
		return ""
	}
	return name + "_rows"
}

// texelViewsCover reports whether any range a storage descriptor takes
// also makes a texel view: its size fits and its offset alignment
// suffices.
func texelViewsCover(dev *vk.Device) bool {
	lim := dev.Limits()
	return dev.MaxTexelViewSize() >= uint64(lim.MaxStorageBufferRange) &&
		lim.MinTexelBufferOffsetAlignment <= lim.MinStorageBufferOffsetAlignment
}

// cpuTexelLayouts reports whether dev takes the CPU attention layouts
// (attn_decode _tx, attn_prefill _lanes_tx) by default: a CPU device with
// subgroup shuffles whose texel views cover any storage range.
func cpuTexelLayouts(dev *vk.Device) bool {
	return dev.Physical().Type == vk.TypeCPU && dev.Features().SubgroupShuffle && texelViewsCover(dev)
}

// isRows reports whether variant uses a one-row-per-invocation layout.
func isRows(variant string) bool {
	return strings.HasSuffix(variant, "_rows") || isShuffleRows(variant)
}

// isShuffleRows reports whether variant is one of matvec_rows.comp's.
func isShuffleRows(variant string) bool {
	return strings.HasSuffix(variant, "_rows_sx") || strings.HasSuffix(variant, "_rows_tx")
}

// subgroupSize returns the subgroup size matvec_rows.comp cuts its x
// window for (the shader checks it and loads x directly on a mismatch).
func subgroupSize(dev *vk.Device) uint32 {
	return max(1, min(dev.Physical().Subgroup.Size, 128))
}

// ColAlign returns the multiple of which a row's length must be for weights
// of type t: the format's block, at least 4 values.
func ColAlign(t quant.Type) uint32 { return uint32(max(4, t.BlockSize())) }

// Bind makes the descriptor set for weights w, inputs x and outputs y. It
// serves both the matvec and the matmul pipelines (identical layouts).
func (k *MatVec) Bind(w, x, y vk.Binding) (*vk.DescriptorSet, error) { return k.bind(w, x, y) }

// Texels reports whether the variant also reads the weights and x as
// texel ranges (the _rows_tx variants).
func (k *MatVec) Texels() bool { return k.texels > 0 }

// check validates the shape rules the shaders rely on.
func (k *MatVec) check(p MatVecPush) error {
	colAlign := ColAlign(k.typ)
	if k.glu && (p.Rows%2 != 0 || (p.N > 1 && p.YStride < p.Rows/2)) {
		return fmt.Errorf("kernels: matvec pairs: %d rows (y stride %d) is not whole pairs", p.Rows, p.YStride)
	}
	switch {
	case p.Rows == 0 || p.Cols == 0 || p.N == 0:
		return fmt.Errorf("kernels: matvec %dx%d with %d vectors: empty", p.Rows, p.Cols, p.N)
	case p.Cols%colAlign != 0:
		return fmt.Errorf("kernels: matvec %v: %d columns is not a multiple of %d", k.typ, p.Cols, colAlign)
	case p.XStride%4 != 0 || p.XStride < p.Cols || (!k.glu && p.N > 1 && p.YStride < p.Rows):
		return fmt.Errorf("kernels: matvec: strides x %d, y %d do not fit %dx%d", p.XStride, p.YStride, p.Rows, p.Cols)
	}
	return nil
}

// Record computes p.N products: with the tiled matmul kernel when p.N is
// at least k.MatMulMin() and the columns fill whole tile steps, else with the
// matvec kernel. The first use of a batch size builds its pipeline, so an
// error can come from that build.
func (k *MatVec) Record(c *vk.Commands, set *vk.DescriptorSet, p MatVecPush) error {
	return k.RecordGLU(c, set, p, GLUSwiGLU)
}

// RecordGLU is Record with the value a pair product stores; kernels that
// are not pair products (NewMatVec) take only GLUSwiGLU, which then means
// the plain product.
func (k *MatVec) RecordGLU(c *vk.Commands, set *vk.DescriptorSet, p MatVecPush, out GLUOut) error {
	if err := k.check(p); err != nil {
		return err
	}
	if out != GLUSwiGLU && !k.glu {
		return fmt.Errorf("kernels: %s is not a pair product", k.spec.name)
	}
	if p.N >= k.MatMulMin() && p.Cols%matmulStep(k.typ) == 0 {
		mm, err := k.matmul()
		if err != nil {
			return err
		}
		return mm.record(c, set, p, out)
	}
	return k.recordMatVec(c, set, p, out)
}

func (k *MatVec) recordMatVec(c *vk.Commands, set *vk.DescriptorSet, p MatVecPush, out GLUOut) error {
	pl, err := k.pipeline(k.consts(min(p.N, MaxBatch), out)...)
	if err != nil {
		return err
	}
	per := k.nrows()
	if k.rows {
		per *= k.wg
	}
	x, y := grid(ceilDiv(p.Rows, per), k.dev.Limits().MaxComputeWorkGroupCount[0])
	c.Dispatch(pl, set, vk.PushBytes(&p), x, y, ceilDiv(p.N, MaxBatch))
	return nil
}

// MatMulMin returns the smallest batch that Record computes with the tiled
// matmul kernel on this device.
func (k *MatVec) MatMulMin() uint32 {
	if k.dev.Physical().Type == vk.TypeCPU {
		return cpuMatMulMin
	}
	return MatMulMin
}

// nrows returns the NROWS specialization constant of the variant in use
// (pair products in matvec.comp use the cooperative layout's 2).
func (k *MatVec) nrows() uint32 {
	if k.sx {
		return 1
	}
	if k.rows {
		return laneRows(k.typ)
	}
	return k.coop
}

// consts returns the specialization constants 1.. for batch vectors: NROWS,
// BATCH, SG and, for pair products, GLU_OUT.
func (k *MatVec) consts(batch uint32, out GLUOut) []uint32 {
	if k.glu {
		return []uint32{k.nrows(), batch, k.sg, uint32(out)}
	}
	return []uint32{k.nrows(), batch, k.sg}
}

// Prepare builds the pipelines for batch sizes 1..n ahead of recording
// (the matmul pipeline too when n reaches MatMulMin).
func (k *MatVec) Prepare(n int) error {
	for b := 1; b <= min(n, MaxBatch); b++ {
		if _, err := k.pipeline(k.consts(uint32(b), GLUSwiGLU)...); err != nil {
			return err
		}
	}
	if uint32(n) >= k.MatMulMin() {
		_, err := k.matmul()
		return err
	}
	return nil
}

// matmul returns the tiled kernel, building it on first use.
func (k *MatVec) matmul() (*matMul, error) {
	k.mu.Lock()
	mm := k.mm
	k.mu.Unlock()
	if mm != nil {
		return mm, nil
	}
	mm, err := newMatMul(k.dev, k.typ, "", k.glu, k.texels)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.mm != nil { // built concurrently
		mm.Close()
		return k.mm, nil
	}
	k.mm = mm
	return mm, nil
}

// Close destroys the pipelines of both kernels. Idempotent.
func (k *MatVec) Close() {
	k.mu.Lock()
	mm := k.mm
	k.mm = nil
	k.mu.Unlock()
	if mm != nil {
		mm.Close()
	}
	k.program.Close()
}
