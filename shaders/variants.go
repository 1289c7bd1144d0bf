package shaders

import (
	"embed"
	"fmt"
	"slices"
	"strings"
)

// Feature is a set of optional device capabilities a variant relies on,
// beyond Vulkan 1.1 core.
type Feature uint32

// The optional features that fast variants use.
const (
	// SubgroupArithmetic: subgroup add/max in compute shaders
	// (VK_SUBGROUP_FEATURE_ARITHMETIC_BIT in the compute stage).
	SubgroupArithmetic Feature = 1 << iota
	// Storage16: 16-bit types in storage buffers (storageBuffer16BitAccess).
	Storage16
	// Storage8: 8-bit types in storage buffers (storageBuffer8BitAccess,
	// VK_KHR_8bit_storage on Vulkan 1.1).
	Storage8
	// SubgroupShuffle: subgroupShuffle in compute shaders
	// (VK_SUBGROUP_FEATURE_SHUFFLE_BIT in the compute stage).
	SubgroupShuffle
	// TexelBuffer: R32G32B32A32_UINT uniform texel buffers; a variant with
	// it (TEXELS) reads storage bindings 0..Texels-1 also as texel views,
	// at the bindings after the kernel's storage buffers.
	TexelBuffer
)

var featureNames = []string{"subgroup", "storage16", "storage8", "shuffle", "texel"}

// String lists the features joined by "+", or "none".
func (f Feature) String() string {
	var parts []string
	for i, name := range featureNames {
		if f&(1<<i) != 0 {
			parts = append(parts, name)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "+")
}

// Variant is one compiled shader module.
type Variant struct {
	Name      string   // module name; the file is spv/<Name>.spv
	Source    string   // the .comp file compiled
	Defines   []string // preprocessor definitions, NAME or NAME=VALUE
	Features  Feature  // optional device features the module needs
	TargetEnv string   // glslc --target-env and spirv-val target
	Texels    int      // texel bindings after the storage buffers: views of storage bindings 0..Texels-1
}

// Vulkan targets.
const (
	Vulkan11 = "vulkan1.1"
)

// Variants lists every module, portable (Features == 0) variants first for
// each kernel. Kernel packages find them by name.
var Variants = slices.Concat(baseVariants, gluVariants(gluTypes), texelVariants(groupTypes), prefillLanes())

// groupTypes are the weight formats whose dequant_<type>.glsl defines
// DQ_HAS_GROUPS: matvec_rows.comp reads their groups of blocks as uvec4s.
var groupTypes = []string{"Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"}

// texelVariants declares matvec_rows.comp's _rows_tx variants of each type,
// plain and gate/up pairs: the weight groups and x come from texel views
// of bindings 0 and 1 (TEXELS).
func texelVariants(types []string) []Variant {
	var vs []Variant
	for _, t := range types {
		for _, glu := range []bool{false, true} {
			name, defs := "matvec_"+strings.ToLower(t)+"_rows_tx", []string{"WTYPE_" + t}
			if glu {
				name, defs = strings.Replace(name, "matvec_", "matvec_glu_", 1), append(defs, "GLU")
			}
			vs = append(vs, fast(name, "matvec_rows.comp", SubgroupShuffle|TexelBuffer, defs...))
		}
	}
	return vs
}

// prefillLanes declares attn_prefill.comp's LANES variant of each KV type
// (_lanes_tx): K/V shared by subgroup shuffles, q and both pools read as
// texel views of bindings 0..2.
func prefillLanes() []Variant {
	var vs []Variant
	for _, t := range []string{"f32", "f16", "int8"} {
		v := fast("attn_prefill_"+t+"_lanes_tx", "attn_prefill.comp", SubgroupShuffle|TexelBuffer,
			"KV_"+strings.ToUpper(t), "LANES")
		v.Texels = 3
		vs = append(vs, v)
	}
	return vs
}

// gluTypes are the weight formats (WTYPE_ defines) of the gate/up pair
// products: every format the plain products read.
var gluTypes = []string{"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"}

// gluVariants declares the gate/up pair products (define GLU, glu.glsl)
// of each type: the cooperative matvec, its subgroup-reduction form, the
// shuffle one-row-per-invocation layout, and the tiled matmul. There is no
// GLU form of matvec.comp's ROWS layout: a pair needs NROWS = 2, with
// which the block formats' rows spill to scratch on lavapipe (see
// kernels.laneRows), and Q6_K's pipelines took about 25 s to compile.
func gluVariants(types []string) []Variant {
	var vs []Variant
	for _, t := range types {
		w := "WTYPE_" + t
		mv := "matvec_glu_" + strings.ToLower(t)
		vs = append(vs,
			portable(mv, "matvec.comp", w, "GLU"),
			fast(mv+"_rows_sx", "matvec_rows.comp", SubgroupShuffle, w, "GLU"),
			fast(mv+"_sg", "matvec.comp", SubgroupArithmetic, w, "GLU"),
			portable("matmul_glu_"+strings.ToLower(t), "matmul.comp", w, "GLU"))
	}
	return vs
}

var baseVariants = []Variant{
	portable("fill", "fill.comp"),
	portable("copy", "copy.comp"),
	portable("add", "binary.comp", "OP_ADD"),
	portable("mul", "binary.comp", "OP_MUL"),
	portable("swiglu", "binary.comp", "OP_SWIGLU"),
	portable("rope", "rope.comp"),
	portable("rmsnorm", "rmsnorm.comp"),
	fast("rmsnorm_sg", "rmsnorm.comp", SubgroupArithmetic),
	portable("softmax", "softmax.comp"),
	fast("softmax_sg", "softmax.comp", SubgroupArithmetic),
	portable("matvec_f32", "matvec.comp", "WTYPE_F32"),
	portable("matvec_f32_rows", "matvec.comp", "WTYPE_F32", "ROWS"),
	fast("matvec_f32_rows_sx", "matvec_rows.comp", SubgroupShuffle, "WTYPE_F32"),
	fast("matvec_f32_sg", "matvec.comp", SubgroupArithmetic, "WTYPE_F32"),
	portable("matmul_f32", "matmul.comp", "WTYPE_F32"),
	portable("matvec_f16", "matvec.comp", "WTYPE_F16"),
	portable("matvec_f16_rows", "matvec.comp", "WTYPE_F16", "ROWS"),
	fast("matvec_f16_rows_sx", "matvec_rows.comp", SubgroupShuffle, "WTYPE_F16"),
	fast("matvec_f16_sg", "matvec.comp", SubgroupArithmetic, "WTYPE_F16"),
	fast("matvec_f16_sg_s16", "matvec.comp", SubgroupArithmetic|Storage16, "WTYPE_F16"),
	portable("matmul_f16", "matmul.comp", "WTYPE_F16"),
	portable("matvec_bf16", "matvec.comp", "WTYPE_BF16"),
	portable("matvec_bf16_rows", "matvec.comp", "WTYPE_BF16", "ROWS"),
	fast("matvec_bf16_rows_sx", "matvec_rows.comp", SubgroupShuffle, "WTYPE_BF16"),
	fast("matvec_bf16_sg", "matvec.comp", SubgroupArithmetic, "WTYPE_BF16"),
	fast("matvec_bf16_sg_s16", "matvec.comp", SubgroupArithmetic|Storage16, "WTYPE_BF16"),
	portable("matmul_bf16", "matmul.comp", "WTYPE_BF16"),
	portable("matvec_q8_0", "matvec.comp", "WTYPE_Q8_0"),
	portable("matvec_q8_0_rows", "matvec.comp", "WTYPE_Q8_0", "ROWS"),
	fast("matvec_q8_0_rows_sx", "matvec_rows.comp", SubgroupShuffle, "WTYPE_Q8_0"),
	fast("matvec_q8_0_sg", "matvec.comp", SubgroupArithmetic, "WTYPE_Q8_0"),
	fast("matvec_q8_0_sg_s8", "matvec.comp", SubgroupArithmetic|Storage8|Storage16, "WTYPE_Q8_0"),
	portable("matmul_q8_0", "matmul.comp", "WTYPE_Q8_0"),
	portable("matvec_q4_0", "matvec.comp", "WTYPE_Q4_0"),
	portable("matvec_q4_0_rows", "matvec.comp", "WTYPE_Q4_0", "ROWS"),
	fast("matvec_q4_0_rows_sx", "matvec_rows.comp", SubgroupShuffle, "WTYPE_Q4_0"),
	fast("matvec_q4_0_sg", "matvec.comp", SubgroupArithmetic, "WTYPE_Q4_0"),
	portable("matmul_q4_0", "matmul.comp", "WTYPE_Q4_0"),
	portable("matvec_q4_1", "matvec.comp", "WTYPE_Q4_1"),
	portable("matvec_q4_1_rows", "matvec.comp", "WTYPE_Q4_1", "ROWS"),
	fast("matvec_q4_1_rows_sx", "matvec_rows.comp", SubgroupShuffle, "WTYPE_Q4_1"),
	fast("matvec_q4_1_sg", "matvec.comp", SubgroupArithmetic, "WTYPE_Q4_1"),
	portable("matmul_q4_1", "matmul.comp", "WTYPE_Q4_1"),
	portable("matvec_q4_k", "matvec.comp", "WTYPE_Q4_K"),
	portable("matvec_q4_k_rows", "matvec.comp", "WTYPE_Q4_K", "ROWS"),
	fast("matvec_q4_k_rows_sx", "matvec_rows.comp", SubgroupShuffle, "WTYPE_Q4_K"),
	fast("matvec_q4_k_sg", "matvec.comp", SubgroupArithmetic, "WTYPE_Q4_K"),
	portable("matmul_q4_k", "matmul.comp", "WTYPE_Q4_K"),
	portable("matvec_q5_k", "matvec.comp", "WTYPE_Q5_K"),
	portable("matvec_q5_k_rows", "matvec.comp", "WTYPE_Q5_K", "ROWS"),
	fast("matvec_q5_k_rows_sx", "matvec_rows.comp", SubgroupShuffle, "WTYPE_Q5_K"),
	fast("matvec_q5_k_sg", "matvec.comp", SubgroupArithmetic, "WTYPE_Q5_K"),
	portable("matmul_q5_k", "matmul.comp", "WTYPE_Q5_K"),
	portable("matvec_q6_k", "matvec.comp", "WTYPE_Q6_K"),
	portable("matvec_q6_k_rows", "matvec.comp", "WTYPE_Q6_K", "ROWS"),
	fast("matvec_q6_k_rows_sx", "matvec_rows.comp", SubgroupShuffle, "WTYPE_Q6_K"),
	fast("matvec_q6_k_sg", "matvec.comp", SubgroupArithmetic, "WTYPE_Q6_K"),
	portable("matmul_q6_k", "matmul.comp", "WTYPE_Q6_K"),
	portable("kvstore_f32", "kvstore.comp", "KV_F32"),
	portable("kvstore_f16", "kvstore.comp", "KV_F16"),
	fast("kvstore_f16_s16", "kvstore.comp", Storage16, "KV_F16"),
	portable("kvstore_int8", "kvstore.comp", "KV_INT8"),
	fast("kvstore_int8_s8", "kvstore.comp", Storage8, "KV_INT8"),
	portable("attn_decode_f32", "attn_decode.comp", "KV_F32"),
	fast("attn_decode_f32_sg", "attn_decode.comp", SubgroupArithmetic, "KV_F32"),
	portable("attn_decode_f32_lanes", "attn_decode.comp", "KV_F32", "LANES"),
	withTexels(fast("attn_decode_f32_tx", "attn_decode.comp", SubgroupShuffle|TexelBuffer, "KV_F32"), 3),
	portable("attn_decode_f16", "attn_decode.comp", "KV_F16"),
	fast("attn_decode_f16_sg", "attn_decode.comp", SubgroupArithmetic, "KV_F16"),
	portable("attn_decode_f16_lanes", "attn_decode.comp", "KV_F16", "LANES"),
	withTexels(fast("attn_decode_f16_tx", "attn_decode.comp", SubgroupShuffle|TexelBuffer, "KV_F16"), 3),
	portable("attn_decode_int8", "attn_decode.comp", "KV_INT8"),
	fast("attn_decode_int8_sg", "attn_decode.comp", SubgroupArithmetic, "KV_INT8"),
	portable("attn_decode_int8_lanes", "attn_decode.comp", "KV_INT8", "LANES"),
	withTexels(fast("attn_decode_int8_tx", "attn_decode.comp", SubgroupShuffle|TexelBuffer, "KV_INT8"), 3),
	portable("attn_reduce", "attn_reduce.comp"),
	portable("attn_prefill_f32", "attn_prefill.comp", "KV_F32"),
	portable("attn_prefill_f16", "attn_prefill.comp", "KV_F16"),
	portable("attn_prefill_int8", "attn_prefill.comp", "KV_INT8"),
	portable("add_rmsnorm", "add_rmsnorm.comp"),
	fast("add_rmsnorm_sg", "add_rmsnorm.comp", SubgroupArithmetic),
	portable("rope_kvstore_f32", "rope_kvstore.comp", "KV_F32"),
	portable("rope_kvstore_f16", "rope_kvstore.comp", "KV_F16"),
	portable("rope_kvstore_int8", "rope_kvstore.comp", "KV_INT8"),
	portable("topk", "topk.comp"),
}

// portable declares a variant (Vulkan 1.1 core only).
func portable(name, src string, defines ...string) Variant {
	return Variant{Name: name, Source: src, Defines: defines, TargetEnv: Vulkan11}
}

// fast declares a variant needing features; each feature adds its define.
func fast(name, src string, f Feature, defines ...string) Variant {
	v := portable(name, src, defines...)
	v.Features = f
	if f&SubgroupArithmetic != 0 {
		v.Defines = append(v.Defines, "SUBGROUP")
	}
	if f&Storage16 != 0 {
		v.Defines = append(v.Defines, "STORAGE16")
	}
	if f&Storage8 != 0 {
		v.Defines = append(v.Defines, "STORAGE8")
	}
	if f&TexelBuffer != 0 {
		v.Defines = append(v.Defines, "TEXELS")
		v.Texels = 2 // matvec_rows.comp: the weights and x
	}
	return v
}

// withTexels sets the texel bindings of v to views of its storage
// bindings 0..n-1 (fast gives matvec_rows.comp's two).
func withTexels(v Variant, n int) Variant {
	v.Texels = n
	return v
}

// spv holds the compiled modules, spv/<name>.spv.
//
//go:embed spv
var spv embed.FS

// Lookup returns the variant called name.
func Lookup(name string) (Variant, error) {
	for _, v := range Variants {
		if v.Name == name {
			return v, nil
		}
	}
	return Variant{}, fmt.Errorf("shaders: no variant %q", name)
}

// Code returns the SPIR-V of the variant called name.
func Code(name string) ([]byte, error) {
	if _, err := Lookup(name); err != nil {
		return nil, err
	}
	b, err := spv.ReadFile("spv/" + name + ".spv")
	if err != nil {
		return nil, fmt.Errorf("shaders: %s: %w (run go generate ./shaders)", name, err)
	}
	return b, nil
}
