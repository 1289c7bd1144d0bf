package kernels

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

// TestPushSizes pins each block's size: it must equal the GLSL block (all
// 4-byte members, no padding) and fit the 128 bytes every device offers.
func TestPushSizes(t *testing.T) {
	tests := []struct {
		name string
		size uintptr
		want uintptr
	}{
		{"fill", unsafe.Sizeof(FillPush{}), 8},
		{"elementwise", unsafe.Sizeof(ElementwisePush{}), 4},
		{"rmsnorm", unsafe.Sizeof(RMSNormPush{}), 12},
		{"softmax", unsafe.Sizeof(SoftmaxPush{}), 8},
		{"rope", unsafe.Sizeof(RopePush{}), 20},
		{"matvec", unsafe.Sizeof(MatVecPush{}), 20},
		{"kvstore", unsafe.Sizeof(KVStorePush{}), 16},
		{"decode", unsafe.Sizeof(DecodePush{}), 20},
		{"reduce", unsafe.Sizeof(ReducePush{}), 12},
		{"prefill", unsafe.Sizeof(PrefillPush{}), 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.size)
			assert.LessOrEqual(t, tt.size, uintptr(128))
		})
	}
}
