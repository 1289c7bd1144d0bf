package engine

import (
	"fmt"
	"unsafe"

	"github.com/vkllm/vkllm/runtime/vk"
)

// Act is the engine's activation handle: Rows × Cols float32 values,
// row-major, in a device buffer of the step arena: row i starts at value
// off + i·stride. An op's output starts the buffer with stride = cols; a
// view (off > 0 or stride > cols) is some columns of a wider product (Q,
// K and V of the fused Q/K/V product), and the views of one buffer never
// share a value.
type Act struct {
	buf         *vk.Buffer
	off, stride int
	rows, cols  int
}

// Rows returns the number of rows.
func (a Act) Rows() int { return a.rows }

// Cols returns the values per row.
func (a Act) Cols() int { return a.cols }

func (a Act) bind() vk.Binding { return a.bindAt(0) }

// bindAt binds a's buffer from value v of its first row on (v and a.off
// must keep the offset a multiple of the device's storage-buffer offset
// alignment).
func (a Act) bindAt(v int) vk.Binding {
	o := uint64(4 * (a.off + v))
	return vk.BindRange(a.buf, o, a.buf.Size()-o)
}

// view returns columns [col0, col0+cols) of a.
func (a Act) view(col0, cols int) Act {
	return Act{buf: a.buf, off: a.off + col0, stride: a.stride, rows: a.rows, cols: cols}
}

// dense reports whether a's rows are back to back, as the kernels that
// see a matrix as one vector (elementwise, norms, copies) need.
func (a Act) dense() bool { return a.rows <= 1 || a.stride == a.cols }

// same reports whether a and b are the same activation (views of one
// buffer are disjoint, so a different offset is a different one).
func (a Act) same(b Act) bool { return a.buf == b.buf && a.off == b.off }

// arena hands out activation buffers: the i-th request of a step gets
// slot i, which keeps its buffer across steps (a step makes the same
// requests in the same order), so descriptor sets made for it stay valid.
type arena struct {
	dev   *vk.Device
	slots []*vk.Buffer
	next  int
	sets  map[setKey]*vk.DescriptorSet
	gen   int // buffers made so far: recordings name the buffers of one gen
}

// setKey identifies a descriptor set: the kernel and its bindings.
type setKey struct {
	kernel any
	b      [maxBindings]vk.Binding
}

const maxBindings = 8

func (a *arena) reset() { a.next = 0 }

// get returns slot i's buffer holding at least floats values. A slot that
// must grow gets a new buffer, and the sets that named the old one go.
func (a *arena) get(floats int) (*vk.Buffer, error) {
	size := uint64(max(floats, 1)) * 4
	if a.next == len(a.slots) {
		a.slots = append(a.slots, nil)
	}
	i := a.next
	a.next++
	if b := a.slots[i]; b != nil && b.Size() >= size {
		return b, nil
	}
	b, err := a.dev.NewBuffer(size, vk.DeviceLocal)
	if err != nil {
		return nil, fmt.Errorf("engine: activation of %d bytes: %w", size, err)
	}
	if old := a.slots[i]; old != nil {
		a.dropSets()
		old.Close()
	}
	a.slots[i] = b
	a.gen++
	return b, nil
}

// set returns the cached descriptor set of kernel for bindings bs, making
// it with bind on first use.
func (a *arena) set(kernel any, bind binder, bs ...vk.Binding) (*vk.DescriptorSet, error) {
	k := setKey{kernel: kernel}
	copy(k.b[:], bs)
	if s, ok := a.sets[k]; ok {
		return s, nil
	}
	s, err := bind(bs)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	if a.sets == nil {
		a.sets = map[setKey]*vk.DescriptorSet{}
	}
	a.sets[k] = s
	return s, nil
}

func (a *arena) dropSets() {
	for k, s := range a.sets {
		s.Close()
		delete(a.sets, k)
	}
}

func (a *arena) close() {
	a.dropSets()
	for _, b := range a.slots {
		if b != nil {
			b.Close()
		}
	}
	a.slots = nil
}

// alloc returns a fresh activation of the given shape; after an error it
// returns a zero Act and later ops do nothing.
func (e *Engine) alloc(rows, cols int) Act {
	if e.err != nil {
		return Act{stride: cols, rows: rows, cols: cols}
	}
	b, err := e.arena.get(e.opt.MaxRows * cols)
	if err != nil {
		e.fail(err)
		return Act{stride: cols, rows: rows, cols: cols}
	}
	return Act{buf: b, stride: cols, rows: rows, cols: cols}
}

// f32Bytes views floats as little-endian bytes (Vulkan hosts are little
// endian).
func f32Bytes(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))
}

// bytesF32 views mapped bytes (4-byte aligned) as floats.
func bytesF32(b []byte) []float32 {
	if len(b) < 4 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

// bytesI32 views mapped bytes (4-byte aligned) as int32s.
func bytesI32(b []byte) []int32 {
	if len(b) < 4 {
		return nil
	}
	return unsafe.Slice((*int32)(unsafe.Pointer(&b[0])), len(b)/4)
}

// binder makes a descriptor set from a kernel's bindings in order.
type binder func(bs []vk.Binding) (*vk.DescriptorSet, error)

type set2 = func(a, b vk.Binding) (*vk.DescriptorSet, error)
type set3 = func(a, b, c vk.Binding) (*vk.DescriptorSet, error)

func bind2(f set2) binder {
	return func(bs []vk.Binding) (*vk.DescriptorSet, error) { return f(bs[0], bs[1]) }
}

func bind3(f set3) binder {
	return func(bs []vk.Binding) (*vk.DescriptorSet, error) { return f(bs[0], bs[1], bs[2]) }
}

type set5 = func(a, b, c, d, e vk.Binding) (*vk.DescriptorSet, error)

func bind5(f set5) binder {
	return func(bs []vk.Binding) (*vk.DescriptorSet, error) { return f(bs[0], bs[1], bs[2], bs[3], bs[4]) }
}
