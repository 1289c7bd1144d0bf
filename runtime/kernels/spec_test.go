package kernels

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/shaders"
)

const allFeatures = shaders.SubgroupArithmetic | shaders.Storage16 | shaders.Storage8 | shaders.SubgroupShuffle |
	shaders.TexelBuffer

// TestSpecsPortableLast checks every kernel can run on a bare Vulkan 1.1
// device and names only variants that exist.
func TestSpecsPortableLast(t *testing.T) {
	for _, s := range specs {
		t.Run(s.name, func(t *testing.T) {
			// Without optional features only portable variants remain, and
			// the last variant of every kernel is one of them.
			names, err := Variants(s.name, 0)
			require.NoError(t, err)
			require.NotEmpty(t, names)
			assert.Equal(t, s.variants[len(s.variants)-1], names[len(names)-1])
			all, err := Variants(s.name, allFeatures)
			require.NoError(t, err)
			assert.Equal(t, s.variants, all)
			assert.LessOrEqual(t, s.push, uint32(128))
		})
	}
}

func TestChooseVariant(t *testing.T) {
	s, err := lookupSpec("matvec_q8_0")
	require.NoError(t, err)
	tests := []struct {
		name, want string
		have       shaders.Feature
		got        string
		fails      bool
	}{
		{"best", "", allFeatures, "matvec_q8_0_sg_s8", false},
		{"no 8-bit storage", "", shaders.SubgroupArithmetic | shaders.Storage16, "matvec_q8_0_sg", false},
		{"bare", "", 0, "matvec_q8_0", false},
		{"forced portable", "matvec_q8_0", allFeatures, "matvec_q8_0", false},
		{"forced unsupported", "matvec_q8_0_sg", 0, "", true},
		{"other kernel's variant", "matvec_f32", allFeatures, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := chooseVariant(s, tt.want, tt.have)
			if tt.fails {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.got, v.Name)
		})
	}
}
