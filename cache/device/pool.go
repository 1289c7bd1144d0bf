package device

import (
	"errors"
	"fmt"
	"math"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/runtime/vk"
)

// DefaultFraction is the share of free device memory a pool takes when
// Options name neither a block count nor a byte budget.
const DefaultFraction = 0.5

// maxPoolBlocks keeps block ids and flat slot ids (block × B + offset)
// inside int32, the type of device block tables and slot mappings.
const maxPoolBlocks = 1<<31 - 2

// ErrTooLarge is wrapped when one layer's pool cannot be a single
// descriptor range or buffer on the device.
var ErrTooLarge = errors.New("KV pool too large for the device")

// Options size a Pool. At most one of Blocks and Bytes may be set; with
// neither, the pool takes Fraction of the device's free memory.
type Options struct {
	Blocks    int     // blocks per pool, the null block included (≥ 2)
	Bytes     uint64  // byte budget for the K and V pools of every layer
	Fraction  float64 // of free device memory; 0 means DefaultFraction
	MaxBlocks int     // caps a budget-derived count (e.g. what the context can use); 0: no cap
}

// Pool is the device-resident K/V storage of every layer.
type Pool struct {
	dev       *vk.Device
	layout    cache.Layout
	layers    int
	numBlocks int
	bufs      []*vk.Buffer
	k, v      []Range // per layer
	allocated uint64  // allocator bytes taken by bufs
}

// New sizes and allocates the pools of layers layers with layout l.
func New(dev *vk.Device, layers int, l cache.Layout, opt Options) (*Pool, error) {
	if err := l.Validate(); err != nil {
		return nil, fmt.Errorf("device: %w", err)
	}
	if layers < 1 {
		return nil, fmt.Errorf("device: KV pool needs at least one layer, got %d", layers)
	}
	n, err := blockCount(dev, layers, l, opt)
	if err != nil {
		return nil, err
	}
	p := &Pool{dev: dev, layout: l, layers: layers, numBlocks: n}
	before := dev.Stats().BytesInUse
	if err := p.allocate(); err != nil {
		p.Close()
		return nil, err
	}
	p.allocated = dev.Stats().BytesInUse - before
	if err := p.zero(); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// blockCount resolves opt to a block count the device can hold.
func blockCount(dev *vk.Device, layers int, l cache.Layout, opt Options) (int, error) {
	maxRange := min(uint64(dev.Limits().MaxStorageBufferRange), dev.MaxBufferSize())
	perLayer := int(min(maxRange/uint64(l.BlockBytes()), maxPoolBlocks))
	switch {
	case opt.Blocks != 0 && opt.Bytes != 0:
		return 0, errors.New("device: KV pool: set a block count or a byte budget, not both")
	case opt.Blocks != 0:
		if opt.Blocks < 2 {
			return 0, fmt.Errorf("device: KV pool of %d blocks: need at least 2 (block 0 is the null block)", opt.Blocks)
		}
		if opt.Blocks > perLayer {
			return 0, fmt.Errorf("device: %d blocks of %d bytes (%v) per layer exceed the %d-byte descriptor range of %s: %w",
				opt.Blocks, l.BlockBytes(), l, maxRange, dev.Physical().Name, ErrTooLarge)
		}
		return opt.Blocks, nil
	}
	budget := opt.Bytes
	if budget == 0 {
		f := opt.Fraction
		if f <= 0 || f > 1 {
			f = DefaultFraction
		}
		budget = uint64(f * float64(FreeMemory(dev)))
	}
	n := int(min(budget/(2*uint64(layers)*uint64(l.BlockBytes())), math.MaxInt32))
	if opt.MaxBlocks > 0 {
		n = min(n, opt.MaxBlocks)
	}
	n = min(n, perLayer)
	if n < 2 {
		return 0, fmt.Errorf("device: a KV budget of %d bytes holds %d blocks of %d bytes × %d pools; need at least 2",
			budget, n, l.BlockBytes(), 2*layers)
	}
	return n, nil
}

// FreeMemory estimates the device-local memory still free: the largest
// device-local heap's current budget less its usage when
// VK_EXT_memory_budget is enabled (usage then includes the weights), else
// the heap's size less what dev has allocated (the weights).
func FreeMemory(dev *vk.Device) uint64 {
	var best uint64
	budget := dev.Features().MemoryBudget
	for _, h := range dev.MemoryHeaps() {
		if !h.DeviceLocal {
			continue
		}
		if budget && h.Budget > 0 {
			best = max(best, h.Budget-min(h.Usage, h.Budget))
			continue
		}
		used := min(dev.Stats().BytesAllocated, h.Size)
		best = max(best, h.Size-used)
	}
	return best
}

// allocate creates the buffers of plan and binds each pool's range.
func (p *Pool) allocate() error {
	size := uint64(p.numBlocks) * uint64(p.layout.BlockBytes())
	align := max(p.dev.Limits().MinStorageBufferOffsetAlignment, 4)
	pools := make([]Range, 0, 2*p.layers)
	for _, b := range plan(2*p.layers, size, align, p.dev.MaxBufferSize()) {
		buf, err := p.dev.NewBuffer(b.size, vk.DeviceLocal)
		if err != nil {
			return fmt.Errorf("device: KV buffer %d (%d pools of %d bytes): %w", len(p.bufs), len(b.offsets), size, err)
		}
		p.bufs = append(p.bufs, buf)
		for _, off := range b.offsets {
			pools = append(pools, Range{buf, off, size})
		}
	}
	p.k, p.v = pools[:p.layers], pools[p.layers:]
	return nil
}

// bufferPlan is one device buffer: its size and the offsets of its pools.
type bufferPlan struct {
	size    uint64
	offsets []uint64
}

// plan packs n pools of size bytes into buffers of at most maxBuf bytes,
// each pool at an offset aligned to align (size ≤ maxBuf).
func plan(n int, size, align, maxBuf uint64) []bufferPlan {
	stride := (size + align - 1) / align * align
	perBuf := 1 + int((maxBuf-size)/stride)
	var out []bufferPlan
	for left := n; left > 0; left -= perBuf {
		k := min(left, perBuf)
		b := bufferPlan{size: uint64(k-1)*stride + size}
		for i := range k {
			b.offsets = append(b.offsets, uint64(i)*stride)
		}
		out = append(out, b)
	}
	return out
}

// zero clears every buffer in one submission.
func (p *Pool) zero() error {
	c, err := p.dev.NewCommands()
	if err != nil {
		return fmt.Errorf("device: %w", err)
	}
	defer c.Close()
	if err := c.Begin(); err != nil {
		return fmt.Errorf("device: %w", err)
	}
	for _, b := range p.bufs {
		c.Fill(b, 0, b.Size()&^3, 0)
	}
	if err := c.End(); err != nil {
		return fmt.Errorf("device: %w", err)
	}
	if err := p.dev.SubmitWait(c); err != nil {
		return fmt.Errorf("device: clearing the KV pool: %w", err)
	}
	return nil
}

// Range is where one pool lives: Size bytes of Buffer from Offset.
type Range struct {
	Buffer       *vk.Buffer
	Offset, Size uint64
}

// Binding returns the range as a descriptor binding.
func (r Range) Binding() vk.Binding { return vk.BindRange(r.Buffer, r.Offset, r.Size) }

// K returns where layer's K pool lives.
func (p *Pool) K(layer int) Range { return p.k[layer] }

// V returns where layer's V pool lives.
func (p *Pool) V(layer int) Range { return p.v[layer] }

// Layout returns the block layout.
func (p *Pool) Layout() cache.Layout { return p.layout }

// Layers returns the number of layers.
func (p *Pool) Layers() int { return p.layers }

// NumBlocks returns the blocks per pool, the null block included.
func (p *Pool) NumBlocks() int { return p.numBlocks }

// Buffers returns the number of device buffers the pools are packed into.
func (p *Pool) Buffers() int { return len(p.bufs) }

// AllocatedBytes returns the allocator bytes the pool holds.
func (p *Pool) AllocatedBytes() uint64 { return p.allocated }

// BytesPerToken returns the allocated bytes per token slot (all layers,
// K and V): AllocatedBytes / (NumBlocks × BlockSize).
func (p *Pool) BytesPerToken() float64 {
	return float64(p.allocated) / float64(p.numBlocks*p.layout.BlockSize)
}

// Close frees the buffers after their last submission. Idempotent.
func (p *Pool) Close() {
	for _, b := range p.bufs {
		b.Close()
	}
	p.bufs, p.k, p.v = nil, nil, nil
}
