package kernels

import (
	"fmt"

	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/runtime/vk"
)

// matMul is the tiled product matmul.comp for one weight type: TM weight
// rows × TN vectors per workgroup, tiles of W (decoded) and X in shared
// memory. MatVec.Record reaches it for batches of MatVec.MatMulMin() or more.
type matMul struct {
	*program
	typ    quant.Type
	glu    bool // gate/up pair product (GLU)
	tm, tn uint32
}

// matmulUnit returns the values one decoding unit of t holds
// (dequant_<type>.glsl DQ_N).
func matmulUnit(t quant.Type) uint32 {
	switch t {
	case quant.Q4_K, quant.Q5_K:
		return 64
	case quant.Q6_K:
		return 128
	}
	if t.BlockSize() == 1 {
		return 4 // one vec4 of a float format
	}
	return uint32(t.BlockSize())
}

// matmulStep returns the columns one tile step covers (whole units, at
// least 32 values); matmul.comp needs cols to be a multiple of it.
func matmulStep(t quant.Type) uint32 { return max(32, matmulUnit(t)) }

// matmulTile picks the square tile edge: 32 when the two tiles fit the
// device's shared memory, else 16 (Q6_K's 128-value steps on devices with
// less than 32 KiB).
func matmulTile(dev *vk.Device, t quant.Type) uint32 {
	if 2*32*matmulStep(t)*4 <= dev.Limits().MaxComputeSharedMemorySize {
		return 32
	}
	return 16
}

// newMatMul builds the tiled product; texels adds that many texel bindings
// to its layout (unused by matmul.comp), so that the sets of a _rows_tx
// matvec bind to it too.
func newMatMul(dev *vk.Device, t quant.Type, variant string, glu bool, texels int) (*matMul, error) {
	names := matmulKernels
	if glu {
		names = gluMatmulKernels
	}
	name, ok := names[t]
	if !ok {
		return nil, fmt.Errorf("kernels: matmul with %v weights: %w", t, vk.ErrUnsupported)
	}
	k := &matMul{typ: t, glu: glu, tm: matmulTile(dev, t)}
	k.tn = k.tm
	p, err := selectProgram(dev, name, variant)
	if err != nil {
		return nil, err
	}
	p.texels = texels
	if err := p.build(k.consts(GLUSwiGLU)...); err != nil {
		return nil, err
	}
	k.program = p
	return k, nil
}

// consts returns the specialization constants 1..: TM, TN and, for pair
// products, GLU_OUT (constant 4; 3 is unused).
func (k *matMul) consts(out GLUOut) []uint32 {
	if k.glu {
		return []uint32{k.tm, k.tn, 0, uint32(out)}
	}
	return []uint32{k.tm, k.tn}
}

// record dispatches ceil(rows/TM) workgroups (split over x and y) times
// ceil(n/TN) in z. set may come from the matvec program: the layouts are
// identical.
func (k *matMul) record(c *vk.Commands, set *vk.DescriptorSet, p MatVecPush, out GLUOut) error {
	if p.Cols%matmulStep(k.typ) != 0 {
		return fmt.Errorf("kernels: matmul: %d columns is not a multiple of %d", p.Cols, matmulStep(k.typ))
	}
	pl, err := k.pipeline(k.consts(out)...)
	if err != nil {
		return err
	}
	x, y := grid(ceilDiv(p.Rows, k.tm), k.dev.Limits().MaxComputeWorkGroupCount[0])
	c.Dispatch(pl, set, vk.PushBytes(&p), x, y, ceilDiv(p.N, k.tn))
	return nil
}
