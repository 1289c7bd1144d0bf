package cpu

import (
	"fmt"
	"runtime"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/models/llama"
)

// Act is the CPU backend's activation handle: a row-major [Rows][Cols]
// float32 matrix in the backend's step arena.
type Act struct {
	Rows, Cols int
	Data       []float32
}

// Row returns row i of a.
func (a Act) Row(i int) []float32 { return a.Data[i*a.Cols : (i+1)*a.Cols] }

// BackendOptions selects how the CPU backend computes.
type BackendOptions struct {
	// Reference selects the readable single-goroutine reference ops of
	// ops.go; otherwise the fast multi-core path runs.
	Reference bool
	// Threads bounds the fast path's goroutines; 0 means GOMAXPROCS.
	Threads int
}

// Backend implements llama.Ops on host memory with the KV cache in a
// cache.HostPool. It runs one step at a time.
type Backend struct {
	model   *llama.Model
	kv      *cache.HostPool
	opt     BackendOptions
	weights []weight // per tensor ID
	arena   arena

	batch *llama.Batch
	rows  []rowInfo // per token row of the current step

	scratchBufs [][]float32 // per worker of parallel
	q8          q8Act       // quantized activations for Q8_0/Q4_0 matmuls
}

// rowInfo locates one token row of a step.
type rowInfo struct {
	token  int32
	pos    int
	blocks []cache.BlockID
	logits bool
}

var _ llama.Ops[Act] = (*Backend)(nil)

// NewBackend prepares the model's weights for the selected path and binds
// the KV pool, whose layout must match the model's KV heads and head dim.
func NewBackend(m *llama.Model, kv *cache.HostPool, opt BackendOptions) (*Backend, error) {
	l := kv.Layout()
	if l.KVHeads != m.Config.KVHeads || l.HeadDim != m.Config.HeadDim || kv.Layers() != m.Config.Layers {
		return nil, fmt.Errorf("cpu: KV pool %v with %d layers does not fit model (%d layers, %d KV heads, head dim %d)",
			l, kv.Layers(), m.Config.Layers, m.Config.KVHeads, m.Config.HeadDim)
	}
	if opt.Threads <= 0 {
		opt.Threads = runtime.GOMAXPROCS(0)
	}
	b := &Backend{model: m, kv: kv, opt: opt, weights: make([]weight, len(m.Weights.All)),
		scratchBufs: make([][]float32, opt.Threads)}
	for _, t := range m.Weights.All {
		w, err := prepareWeight(t, !opt.Reference)
		if err != nil {
			return nil, err
		}
		b.weights[t.ID] = w
	}
	return b, nil
}

// Begin records the step's rows: token, position, block table, logits flag.
func (b *Backend) Begin(batch *llama.Batch) error {
	if batch.BlockSize != b.kv.Layout().BlockSize {
		return fmt.Errorf("cpu: batch block size %d, KV pool has %d", batch.BlockSize, b.kv.Layout().BlockSize)
	}
	b.batch = batch
	b.rows = b.rows[:0]
	b.arena.reset()
	nb := cache.BlockID(b.kv.NumBlocks())
	for _, s := range batch.Seqs {
		for _, id := range s.Blocks {
			if id <= cache.NullBlock || id >= nb {
				return fmt.Errorf("cpu: block id %d outside the pool [1, %d)", id, nb)
			}
		}
		li := 0
		for i, tok := range s.Tokens {
			want := li < len(s.Logits) && s.Logits[li] == i
			if want {
				li++
			}
			b.rows = append(b.rows, rowInfo{token: tok, pos: s.Start + i, blocks: s.Blocks, logits: want})
		}
	}
	return nil
}

// alloc returns a zeroed-or-overwritten activation of the given shape; every
// op writes all of its output, so arena buffers are not cleared.
func (b *Backend) alloc(rows, cols int) Act {
	return Act{Rows: rows, Cols: cols, Data: b.arena.get(rows * cols)}
}

// Embed gathers the token embedding rows: [n][dim].
func (b *Backend) Embed(w *llama.Tensor) Act {
	out := b.alloc(len(b.rows), w.Cols)
	m := b.weights[w.ID].m
	for i, r := range b.rows {
		m.Row(int(r.token), out.Row(i))
	}
	return out
}

// RMSNorm normalises every row of x and scales by w.
func (b *Backend) RMSNorm(x Act, w *llama.Tensor, eps float32) Act {
	out := b.alloc(x.Rows, x.Cols)
	RMSNorm(out.Data, x.Data, b.weights[w.ID].f32, eps)
	return out
}

// MatMul returns x · wᵀ.
func (b *Backend) MatMul(x Act, w *llama.Tensor) Act {
	out := b.alloc(x.Rows, w.Rows)
	if b.opt.Reference {
		MatMul(out.Data, x.Data, b.weights[w.ID].m)
	} else {
		b.matMulFast(out.Data, x, &b.weights[w.ID])
	}
	return out
}

// Rope rotates every head of every row in place by the row's position.
func (b *Backend) Rope(x Act, r llama.RopeSpec) Act {
	rope := Rope{Base: r.Base, Dims: r.Dims, NeoX: r.NeoX}
	if b.opt.Reference {
		for i, row := range b.rows {
			rope.Apply(x.Row(i), r.HeadDim, row.pos)
		}
		return x
	}
	b.ropeFast(x, rope, r.HeadDim)
	return x
}

// StoreKV writes each row's K and V heads into its slot of the layer's pool.
func (b *Backend) StoreKV(layer int, k, v Act) {
	l := b.kv.Layout()
	hd := l.HeadDim
	for i, r := range b.rows {
		id, slot := r.blocks[r.pos/l.BlockSize], r.pos%l.BlockSize
		kb, vb := b.kv.K(layer, id), b.kv.V(layer, id)
		for h := 0; h < l.KVHeads; h++ {
			l.Store(kb, h, slot, k.Row(i)[h*hd:(h+1)*hd])
			l.Store(vb, h, slot, v.Row(i)[h*hd:(h+1)*hd])
		}
	}
}

// MatMulQKV returns the three products one at a time.
func (b *Backend) MatMulQKV(x Act, q, k, v *llama.Tensor) (Act, Act, Act) {
	return b.MatMul(x, q), b.MatMul(x, k), b.MatMul(x, v)
}

// MatMulSwiGLU returns silu(x · gateᵀ) * (x · upᵀ), the products one at a
// time.
func (b *Backend) MatMulSwiGLU(x Act, gate, up *llama.Tensor) Act {
	return b.swiglu(b.MatMul(x, gate), b.MatMul(x, up))
}

// swiglu returns silu(gate) * up.
func (b *Backend) swiglu(gate, up Act) Act {
	out := b.alloc(gate.Rows, gate.Cols)
	if b.opt.Reference {
		SwiGLU(out.Data, gate.Data, up.Data)
	} else {
		swigluFast(out.Data, gate.Data, up.Data)
	}
	return out
}

// Add returns a + b.
func (b *Backend) Add(x, y Act) Act {
	out := b.alloc(x.Rows, x.Cols)
	Add(out.Data, x.Data, y.Data)
	return out
}

// Gather keeps the rows that need logits.
func (b *Backend) Gather(x Act) Act {
	n := 0
	for _, r := range b.rows {
		if r.logits {
			n++
		}
	}
	out := b.alloc(n, x.Cols)
	j := 0
	for i, r := range b.rows {
		if r.logits {
			copy(out.Row(j), x.Row(i))
			j++
		}
	}
	return out
}

// Finish returns a copy of the logits, since the arena is reused next step.
func (b *Backend) Finish(logits Act) ([]float32, error) {
	b.batch = nil
	return append([]float32(nil), logits.Data...), nil
}

// arena hands out float32 buffers for one step and reuses them the next:
// a step makes the same sequence of requests, so buffer i is reused by
// request i whenever it is large enough.
type arena struct {
	bufs [][]float32
	next int
}

func (a *arena) reset() { a.next = 0 }

func (a *arena) get(n int) []float32 {
	if a.next == len(a.bufs) {
		a.bufs = append(a.bufs, nil)
	}
	if cap(a.bufs[a.next]) < n {
		a.bufs[a.next] = make([]float32, n)
	}
	buf := a.bufs[a.next][:n]
	a.next++
	return buf
}
