package kernels

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/runtime/vk"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

// weightCases returns the selftest rows of the matvec and matmul kernels.
func weightCases() []Case {
	var cs []Case
	for _, c := range Cases() {
		if strings.HasPrefix(c.Kernel, "matvec_") || strings.HasPrefix(c.Kernel, "matmul_") {
			cs = append(cs, c)
		}
	}
	return cs
}

// TestWeightKernels runs every weight format's matvec variants and matmul
// against cpu.MatMul, with the device's features and with none.
func TestWeightKernels(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts vk.DeviceOptions
	}{
		{"features", vk.DeviceOptions{}},
		{"portable", vk.DeviceOptions{Portable: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dev := vktest.DeviceWith(t, tc.opts)
			res, err := Run(dev, weightCases(), testing.Short())
			require.NoError(t, err)
			seen := map[string]bool{}
			for _, r := range res {
				seen[r.Kernel] = true
				t.Run(fmt.Sprintf("%s/%s/%s", r.Kernel, r.Variant, r.Shape), func(t *testing.T) {
					assert.Empty(t, r.Err)
					assert.True(t, r.Pass, "NMSE %.3g over bound %.0e", r.NMSE, r.Bound)
				})
			}
			for _, wt := range WeightTypes {
				assert.True(t, seen[matvecKernels[wt]], "no matvec case for %v", wt)
				assert.True(t, seen[matmulKernels[wt]], "no matmul case for %v", wt)
			}
		})
	}
}

// TestMatVecRecordPicksMatMul checks that Record, the engine's entry point,
// gives correct products below and above MatMulMin and builds the tiled
// kernel only from the device's MatMulMin (GPUs: MatMulMin; CPU devices:
// never, so there every batch runs the matvec).
func TestMatVecRecordPicksMatMul(t *testing.T) {
	dev := vktest.Device(t)
	e, err := newEnv(dev)
	require.NoError(t, err)
	defer e.destroy()
	for _, typ := range []quant.Type{quant.Q4_K, quant.Q8_0} {
		probe, err := NewMatVec(dev, typ, "")
		require.NoError(t, err)
		least := int(probe.MatMulMin()) // MatMulMin on GPUs, never on CPU devices
		probe.Close()
		for _, n := range []int{MatMulMin - 1, MatMulMin, MatMulMin + 8, 64} {
			t.Run(fmt.Sprintf("%v/%d", typ, n), func(t *testing.T) {
				defer e.close()
				k, err := NewMatVec(dev, typ, "")
				require.NoError(t, err)
				e.own(k)
				s := matvecShape{rows: 45, cols: 512, n: n}
				out, err := productCase(e, rand.New(rand.NewPCG(3, 4)), typ, s, k.program, k.Record)
				require.NoError(t, err)
				assert.Less(t, out.nmse(), boundMatVec)
				k.mu.Lock()
				defer k.mu.Unlock()
				assert.Equal(t, n >= least, k.mm != nil, "matmul built")
			})
		}
	}
}

// TestMatVecCPUVariant checks the default variant on CPU devices: texel
// views for the formats read in groups where the device has them, else
// shuffles only.
func TestMatVecCPUVariant(t *testing.T) {
	tests := []struct {
		name string
		off  vk.Features
		typ  quant.Type
		glu  bool
		want string
	}{
		{"groups", vk.Features{}, quant.Q8_0, false, "matvec_q8_0_rows_tx"},
		{"pairs in groups", vk.Features{}, quant.Q4_1, true, "matvec_glu_q4_1_rows_tx"},
		{"k-quant groups", vk.Features{}, quant.Q6_K, false, "matvec_q6_k_rows_tx"},
		{"floats", vk.Features{}, quant.F16, false, "matvec_f16_rows_sx"},
		{"texels off", vk.Features{TexelBuffer: true}, quant.Q4_0, false, "matvec_q4_0_rows_sx"},
		{"shuffles off", vk.Features{SubgroupShuffle: true}, quant.Q4_1, false, "matvec_q4_1_rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dev := cpuTexelDevice(t, tt.off)
			newK := NewMatVec
			if tt.glu {
				newK = NewMatVecGLU
			}
			k, err := newK(dev, tt.typ, "")
			require.NoError(t, err)
			defer k.Close()
			assert.Equal(t, tt.want, k.Variant())
			assert.Equal(t, strings.HasSuffix(tt.want, "_rows_tx"), k.Texels())
		})
	}
}

// TestMatVecShapeErrors checks the shape rules Record enforces.
func TestMatVecShapeErrors(t *testing.T) {
	dev := vktest.Device(t)
	k, err := NewMatVec(dev, quant.Q6_K, "")
	require.NoError(t, err)
	defer k.Close()
	for _, p := range []MatVecPush{
		{Rows: 0, Cols: 256, XStride: 256, YStride: 1, N: 1},
		{Rows: 4, Cols: 128, XStride: 128, YStride: 4, N: 1},
		{Rows: 4, Cols: 256, XStride: 250, YStride: 4, N: 1},
		{Rows: 4, Cols: 256, XStride: 256, YStride: 3, N: 2},
	} {
		assert.Error(t, k.check(p), "%+v", p)
	}
}

// cpuTexelDevice opens the test device with the features off disabled,
// skipping unless it is a CPU device that has subgroup shuffles and texel
// buffers apart from those: the devices whose default variants the
// CPU-choice tests check.
func cpuTexelDevice(t *testing.T, off vk.Features) *vk.Device {
	t.Helper()
	dev := vktest.DeviceWith(t, vk.DeviceOptions{Disable: off})
	f := dev.Features()
	if dev.Physical().Type != vk.TypeCPU || !f.SubgroupShuffle && !off.SubgroupShuffle ||
		!f.TexelBuffer && !off.TexelBuffer {
		t.Skip("needs a CPU device with subgroup shuffles and texel buffers")
	}
	return dev
}
