package engine

import (
	"fmt"
	"strings"

	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/runtime/kernels"
	"github.com/vkllm/vkllm/runtime/vk"
)

// weight is one tensor on the device: a matrix split by rows into parts
// that each fit one descriptor range, or an F32 vector (norm weights). A
// fused matrix (fuse.go: Q, K and V, or gate and up) is a weight of its
// own, and its members' weights are views of its buffers (shared).
type weight struct {
	t      *llama.Tensor
	matvec *kernels.MatVec // nil for vectors
	op     string          // profile name, e.g. matvec_q8_0
	parts  []weightPart
	shared bool           // the parts' buffers belong to a fused weight
	pair   bool           // rows are gate/up pairs (kernels.NewMatVecGLU)
	out    kernels.GLUOut // what a pair product stores
}

// weightPart holds rows [row0, row0+rows) of a matrix, from byte off of
// buf on.
type weightPart struct {
	buf        *vk.Buffer
	off        uint64
	row0, rows int
}

// rowsPerValue returns the product rows behind one output value: 2 for
// gate/up pairs, else 1.
func (w *weight) rowsPerValue() int {
	if w.pair {
		return 2
	}
	return 1
}

func (w *weight) bytes() uint64 {
	var n uint64
	for _, p := range w.parts {
		if !w.shared {
			n += p.buf.Size()
		}
	}
	return n
}

func (w *weight) close() {
	for _, p := range w.parts {
		if !w.shared {
			p.buf.Close()
		}
	}
	w.parts = nil
}

// uploadWeights uploads every tensor the device needs. The token
// embedding stays on the host unless the output projection reuses it.
func (e *Engine) uploadWeights() error {
	ws := e.model.Weights
	e.weights = make([]*weight, len(ws.All))
	if err := e.uploadFused(); err != nil {
		return err
	}
	for _, t := range ws.All {
		if e.weights[t.ID] != nil { // a member of a fused matrix
			continue
		}
		if t == ws.TokenEmbd && ws.Output != ws.TokenEmbd {
			if _, err := t.Type.RowBytes(t.Cols); err != nil || !t.Type.Supported() {
				return fmt.Errorf("engine: tensor %s: %v embedding rows cannot be dequantized: %w", t.Name, t.Type, ErrUnsupported)
			}
			continue
		}
		w, err := e.upload(t)
		if err != nil {
			return err
		}
		e.weights[t.ID] = w
	}
	return nil
}

// upload puts one tensor on the device.
func (e *Engine) upload(t *llama.Tensor) (*weight, error) {
	w := &weight{t: t}
	if t.Rows == 1 { // a vector: the kernels read it as F32
		v := make([]float32, t.Cols)
		if err := quant.Dequantize(t.Type, t.Data, v); err != nil {
			return nil, fmt.Errorf("engine: tensor %s: %w", t.Name, err)
		}
		buf, err := e.newBuffer(f32Bytes(v))
		if err != nil {
			return nil, fmt.Errorf("engine: tensor %s: %w", t.Name, err)
		}
		w.parts = []weightPart{{buf: buf, rows: 1}}
		return w, nil
	}
	mv, err := e.matvecFor(t)
	if err != nil {
		return nil, err
	}
	w.matvec, w.op = mv, "matvec_"+strings.ToLower(t.Type.String())
	if err := e.uploadParts(w); err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

// matvecFor returns the product kernel for t's type, checking the shape
// rules the kernel relies on.
func (e *Engine) matvecFor(t *llama.Tensor) (*kernels.MatVec, error) {
	if t.Cols%max(4, t.Type.BlockSize()) != 0 {
		return nil, fmt.Errorf("engine: tensor %s: %d columns of %v: %w", t.Name, t.Cols, t.Type, ErrUnsupported)
	}
	key := t.Type.String()
	if mv, ok := e.k.matvec[key]; ok {
		return mv, nil
	}
	mv, err := kernels.NewMatVec(e.dev, t.Type, "")
	if err != nil {
		return nil, fmt.Errorf("engine: tensor %s (%v): %w", t.Name, t.Type, err)
	}
	e.k.matvec[key] = mv
	if err := mv.Prepare(kernels.MaxBatch); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	return mv, nil
}

// uploadParts splits w's rows into parts no larger than one descriptor
// range (and one buffer), keeping each part's first output row aligned for
// a storage-buffer offset, and uploads them.
func (e *Engine) uploadParts(w *weight) error {
	t := w.t
	rb, _ := t.Type.RowBytes(t.Cols)
	per := e.partRows(rb)
	if per < 1 {
		return fmt.Errorf("engine: tensor %s: a row of %d bytes exceeds the device's %d-byte range: %w", t.Name, rb, e.rangeLimit(), ErrUnsupported)
	}
	for r0 := 0; r0 < t.Rows; r0 += per {
		n := min(per, t.Rows-r0)
		buf, err := e.newBuffer(t.Data[r0*rb : (r0+n)*rb])
		if err != nil {
			return fmt.Errorf("engine: tensor %s rows [%d, %d): %w", t.Name, r0, r0+n, err)
		}
		w.parts = append(w.parts, weightPart{buf: buf, row0: r0, rows: n})
	}
	return nil
}

// rangeLimit returns the most bytes one weight part may hold: one
// descriptor range and one buffer.
func (e *Engine) rangeLimit() uint64 {
	return min(uint64(e.dev.Limits().MaxStorageBufferRange), e.dev.MaxBufferSize())
}

// partRows returns the most rows of rb bytes one part holds: a multiple of
// the storage-buffer offset alignment in floats, so that the next part's
// first output row starts aligned.
func (e *Engine) partRows(rb int) int {
	align := int(max(e.dev.Limits().MinStorageBufferOffsetAlignment/4, 1))
	return int(e.rangeLimit()-4) / rb / align * align
}

// newBuffer makes a device-local buffer holding data, its size rounded up
// to 4 bytes (kernels read whole words).
func (e *Engine) newBuffer(data []byte) (*vk.Buffer, error) {
	buf, err := e.dev.NewBuffer(uint64(len(data)+3)&^3, vk.DeviceLocal)
	if err != nil {
		return nil, err
	}
	if err := e.dev.Upload(buf, 0, data); err != nil {
		buf.Close()
		return nil, err
	}
	return buf, nil
}
