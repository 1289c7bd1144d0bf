package kernels

import (
	"fmt"
	"strings"

	"github.com/vkllm/vkllm/shaders"
)

// spec describes one kernel's shader interface as data: the kernels built
// from it differ only in these values.
type spec struct {
	name     string
	variants []string // shader variants, most preferred first; the last is portable
	bindings int      // storage buffers, bindings 0..bindings-1 of set 0
	push     uint32   // push-constant block size in bytes
	wg       uint32   // default workgroup size (specialization constant 0)
}

// specs lists every kernel. Workgroup sizes suit both lavapipe (SIMD width
// 8) and discrete GPUs; rowwise kernels use 64 so short rows waste little.
var specs = []spec{
	{name: "fill", variants: []string{"fill"}, bindings: 1, push: 8, wg: 64},
	{name: "copy", variants: []string{"copy"}, bindings: 2, push: 4, wg: 64},
	{name: "add", variants: []string{"add"}, bindings: 3, push: 4, wg: 64},
	{name: "mul", variants: []string{"mul"}, bindings: 3, push: 4, wg: 64},
	{name: "swiglu", variants: []string{"swiglu"}, bindings: 3, push: 4, wg: 64},
	{name: "rope", variants: []string{"rope"}, bindings: 3, push: 20, wg: 64},
	{name: "rmsnorm", variants: []string{"rmsnorm_sg", "rmsnorm"}, bindings: 3, push: 12, wg: 64},
	{name: "softmax", variants: []string{"softmax_sg", "softmax"}, bindings: 1, push: 8, wg: 64},
	{name: "kvstore_f32", variants: []string{"kvstore_f32"}, bindings: 5, push: 16, wg: 32},
	{name: "kvstore_f16", variants: []string{"kvstore_f16_s16", "kvstore_f16"}, bindings: 5, push: 16, wg: 32},
	{name: "kvstore_int8", variants: []string{"kvstore_int8_s8", "kvstore_int8"}, bindings: 5, push: 16, wg: 32},
	{name: "attn_decode_f32", variants: []string{"attn_decode_f32_sg", "attn_decode_f32"}, bindings: 5, push: 20, wg: 64},
	{name: "attn_decode_f16", variants: []string{"attn_decode_f16_sg", "attn_decode_f16"}, bindings: 5, push: 20, wg: 64},
	{name: "attn_decode_int8", variants: []string{"attn_decode_int8_sg", "attn_decode_int8"}, bindings: 5, push: 20, wg: 64},
	{name: "attn_decode_lanes_f32", variants: []string{"attn_decode_f32_lanes"}, bindings: 5, push: 20, wg: 32},
	{name: "attn_decode_lanes_f16", variants: []string{"attn_decode_f16_lanes"}, bindings: 5, push: 20, wg: 32},
	{name: "attn_decode_lanes_int8", variants: []string{"attn_decode_int8_lanes"}, bindings: 5, push: 20, wg: 32},
	{name: "attn_decode_tx_f32", variants: []string{"attn_decode_f32_tx", "attn_decode_f32"}, bindings: 5, push: 20, wg: txLanes},
	{name: "attn_decode_tx_f16", variants: []string{"attn_decode_f16_tx", "attn_decode_f16"}, bindings: 5, push: 20, wg: txLanes},
	{name: "attn_decode_tx_int8", variants: []string{"attn_decode_int8_tx", "attn_decode_int8"}, bindings: 5, push: 20, wg: txLanes},
	{name: "attn_reduce", variants: []string{"attn_reduce"}, bindings: 2, push: 12, wg: 64},
	{name: "attn_prefill_f32", variants: []string{"attn_prefill_f32_lanes_tx", "attn_prefill_f32"}, bindings: 5, push: 16, wg: 64},
	{name: "attn_prefill_f16", variants: []string{"attn_prefill_f16_lanes_tx", "attn_prefill_f16"}, bindings: 5, push: 16, wg: 64},
	{name: "attn_prefill_int8", variants: []string{"attn_prefill_int8_lanes_tx", "attn_prefill_int8"}, bindings: 5, push: 16, wg: 64},
}

// lookupSpec returns the spec of the kernel called name.
func lookupSpec(name string) (spec, error) {
	for _, s := range specs {
		if s.name == name {
			return s, nil
		}
	}
	return spec{}, fmt.Errorf("kernels: no kernel %q", name)
}

// Variants returns the shader variants of kernel name that a device with
// features have can run, most preferred first.
func Variants(name string, have shaders.Feature) ([]string, error) {
	s, err := lookupSpec(name)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, vn := range s.variants {
		v, err := shaders.Lookup(vn)
		if err != nil {
			return nil, fmt.Errorf("kernels: %s: %w", name, err)
		}
		if v.Features&^have == 0 {
			out = append(out, vn)
		}
	}
	return out, nil
}

// chooseVariant returns the variant to build: want if non-empty (it must be
// one of the kernel's variants that have allows), else the preferred one.
func chooseVariant(s spec, want string, have shaders.Feature) (shaders.Variant, error) {
	names, err := Variants(s.name, have)
	if err != nil {
		return shaders.Variant{}, err
	}
	if len(names) == 0 {
		return shaders.Variant{}, fmt.Errorf("kernels: %s: no variant runs with features %v", s.name, have)
	}
	if want == "" {
		want = names[0]
	}
	for _, n := range names {
		if n == want {
			return shaders.Lookup(n)
		}
	}
	return shaders.Variant{}, fmt.Errorf("kernels: %s: variant %q is not one of %s usable with features %v",
		s.name, want, strings.Join(names, ", "), have)
}
