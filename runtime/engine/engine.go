package engine

import (
	"fmt"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/cache/device"
	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/runtime/kernels"
	"github.com/vkllm/vkllm/runtime/vk"
)

// DefaultMaxRows is the most token rows a step holds when Options.MaxRows
// is 0; it matches the CPU path's default prefill chunk.
const DefaultMaxRows = 64

// DefaultBlockSize is the KV block size when Options.BlockSize is 0.
const DefaultBlockSize = 16

// Options configure New.
type Options struct {
	KVType    cache.KVType
	BlockSize int            // KV block size; 0 means 16
	KV        device.Options // pool size: blocks, bytes or a fraction of free memory
	MaxRows   int            // most token rows per step; 0 means DefaultMaxRows
	// Profile writes a timestamp after every dispatch (and serialises the
	// dispatches with barriers so each one's time is its own); Profile()
	// reports the totals per kernel.
	Profile bool
	// NoReuse records every step's command buffer afresh instead of
	// replaying the last recording for a step of the same shape.
	NoReuse bool
	// NoFuse records every op as its own dispatch (no add+rmsnorm,
	// rope+KV-store, Q/K/V or gate/up+SwiGLU fusion) and uploads every
	// weight on its own, for comparisons and to isolate a kernel.
	NoFuse bool
	// PrefillRows is the fewest rows of one sequence in a step that take
	// the prefill attention kernel instead of the decode kernel:
	// 0 means DefaultPrefillRows, negative means never (decode only).
	PrefillRows int
}

// Engine is a model on one device, ready to run steps.
type Engine struct {
	dev   *vk.Device
	model *llama.Model
	opt   Options
	kv    *device.Pool
	k     kernelSet

	weights []*weight                      // per tensor ID; nil for tensors kept on the host
	fused   map[*llama.Tensor]*fusedMatrix // by first member (fuseweights.go)
	arena   arena
	in      stepInputs
	cmd     *vk.Commands
	prof    *profiler

	batch *llama.Batch
	rows  int          // token rows of the current step
	dirty []*vk.Buffer // written since the last barrier
	read  []*vk.Buffer // read since the last barrier
	err   error        // first error of the step

	cur      shape    // the current step's shape
	rec      recorded // the shape e.cmd holds a recording of
	replay   bool     // the current step resubmits e.cmd as recorded
	records  int      // steps recorded
	replays  int      // steps replayed
	pend     pending  // ops deferred for fusion
	samp     gpuSampling
	wantTopK int // candidates per logit row StepSample asks the GPU for
}

var _ llama.Ops[Act] = (*Engine)(nil)

// New uploads m's weights to dev and allocates the KV pool and the step
// buffers. On error everything allocated so far is freed.
func New(dev *vk.Device, m *llama.Model, opt Options) (*Engine, error) {
	if opt.MaxRows <= 0 {
		opt.MaxRows = DefaultMaxRows
	}
	if opt.BlockSize <= 0 {
		opt.BlockSize = DefaultBlockSize
	}
	e := &Engine{dev: dev, model: m, opt: opt, arena: arena{dev: dev}}
	if err := e.init(); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// init builds the kernels, uploads the weights, then sizes the KV pool
// (after the weights, so a free-memory budget accounts for them) and the
// step buffers.
func (e *Engine) init() error {
	m, dev := e.model, e.dev
	if err := e.k.build(dev, m); err != nil {
		return err
	}
	if err := e.uploadWeights(); err != nil {
		return err
	}
	layout := cache.Layout{Type: e.opt.KVType, BlockSize: e.opt.BlockSize, KVHeads: m.Config.KVHeads, HeadDim: m.Config.HeadDim}
	if err := e.k.attn.build(dev, m, layout, e.opt.MaxRows); err != nil {
		return err
	}
	if err := e.k.buildFused(dev, m, layout, e.opt.NoFuse); err != nil {
		return err
	}
	if e.ropeTable(m.Config.Rope()) == nil { // uploaded now rather than within a step
		return e.err
	}
	var err error
	if e.kv, err = device.New(dev, m.Config.Layers, layout, e.opt.KV); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	if err := e.in.alloc(dev, e.opt.MaxRows, m, layout, e.metaAlign()); err != nil {
		return err
	}
	if e.cmd, err = dev.NewCommands(); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	if e.opt.Profile {
		if e.prof, err = newProfiler(dev, 32*m.Config.Layers+32); err != nil {
			return err
		}
	}
	return nil
}

// Step runs one forward step and returns the logits of the rows the batch
// asks for, [LogitRows][Vocab] row-major.
func (e *Engine) Step(b *llama.Batch) ([]float32, error) { return llama.Forward(e.model, e, b) }

// Model returns the engine's model.
func (e *Engine) Model() *llama.Model { return e.model }

// Device returns the engine's device.
func (e *Engine) Device() *vk.Device { return e.dev }

// KV returns the engine's KV pool.
func (e *Engine) KV() *device.Pool { return e.kv }

// Layout returns the KV block layout.
func (e *Engine) Layout() cache.Layout { return e.kv.Layout() }

// NumBlocks returns the KV pool's block count, the null block included.
func (e *Engine) NumBlocks() int { return e.kv.NumBlocks() }

// MaxRows returns the most token rows one step may hold.
func (e *Engine) MaxRows() int { return e.opt.MaxRows }

// WeightBytes returns the device bytes the uploaded weights take.
func (e *Engine) WeightBytes() uint64 {
	var n uint64
	for _, w := range e.weights {
		if w != nil {
			n += w.bytes()
		}
	}
	for _, f := range e.fused {
		n += f.w.bytes()
	}
	return n
}

// Close waits for the device to finish the engine's work and frees every
// object the engine created. Idempotent.
func (e *Engine) Close() {
	if e.cmd != nil {
		_ = e.cmd.Wait()
	}
	e.arena.close()
	e.in.close()
	for _, w := range e.weights {
		if w != nil {
			w.close()
		}
	}
	e.weights = nil
	for _, f := range e.fused {
		f.w.close()
	}
	e.fused = nil
	if e.kv != nil {
		e.kv.Close()
		e.kv = nil
	}
	if e.prof != nil {
		e.prof.close()
		e.prof = nil
	}
	e.samp.close()
	if e.cmd != nil {
		e.cmd.Close()
		e.cmd = nil
	}
	e.k.close()
}

// fail keeps the step's first error.
func (e *Engine) fail(err error) {
	if e.err == nil && err != nil {
		e.err = err
	}
}

// ErrUnsupported is wrapped when a model needs something the engine lacks
// (a weight type without a kernel); it matches vk.ErrUnsupported too.
var ErrUnsupported = fmt.Errorf("engine: %w", vk.ErrUnsupported)

// kernelSet holds the engine's kernels.
type kernelSet struct {
	matvec  map[string]*kernels.MatVec // by weight type name
	glu     map[string]*kernels.MatVec // gate/up pair products, by weight type name
	rmsnorm *kernels.RMSNorm
	rope    *kernels.Rope
	// ropeTables are the RoPE frequency tables the model's specs need.
	ropeTables []*kernels.RopeTable
	add        *kernels.Binary
	swiglu     *kernels.Binary
	attn       attnKernels

	addNorm   *kernels.AddRMSNorm  // nil with Options.NoFuse
	ropeStore *kernels.RopeKVStore // nil with Options.NoFuse
	topk      *kernels.TopK        // built on the first GPU-sampled step
}

func (k *kernelSet) build(dev *vk.Device, m *llama.Model) error {
	var err error
	k.matvec = map[string]*kernels.MatVec{}
	k.glu = map[string]*kernels.MatVec{}
	if k.rmsnorm, err = kernels.NewRMSNorm(dev, ""); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	if k.rope, err = kernels.NewRope(dev, "", m.Config.RopeNeoX); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	if k.add, err = kernels.NewAdd(dev, ""); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	if k.swiglu, err = kernels.NewSwiGLU(dev, ""); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	return nil
}

func (k *kernelSet) close() {
	for _, mv := range k.matvec {
		mv.Close()
	}
	for _, mv := range k.glu {
		mv.Close()
	}
	k.matvec, k.glu = nil, nil
	if k.rmsnorm != nil {
		k.rmsnorm.Close()
	}
	if k.rope != nil {
		k.rope.Close()
	}
	if k.add != nil {
		k.add.Close()
	}
	if k.swiglu != nil {
		k.swiglu.Close()
	}
	k.rmsnorm, k.rope, k.add, k.swiglu = nil, nil, nil, nil
	for _, t := range k.ropeTables {
		t.Close()
	}
	k.ropeTables = nil
	k.attn.close()
	if k.addNorm != nil {
		k.addNorm.Close()
	}
	if k.ropeStore != nil {
		k.ropeStore.Close()
	}
	if k.topk != nil {
		k.topk.Close()
	}
	k.addNorm, k.ropeStore, k.topk = nil, nil, nil
}

// buildFused builds the fused kernels unless fusion is off.
func (k *kernelSet) buildFused(dev *vk.Device, m *llama.Model, l cache.Layout, off bool) error {
	if off {
		return nil
	}
	var err error
	if k.addNorm, err = kernels.NewAddRMSNorm(dev, ""); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	if k.ropeStore, err = kernels.NewRopeKVStore(dev, l, m.Config.Heads, m.Config.RopeNeoX, ""); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	return nil
}
