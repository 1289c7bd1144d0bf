package cache

import (
	"fmt"
	"math/bits"
)

// MaxHostPoolBytes caps NewHostPool. A pool above it almost surely comes from
// a wrong block count or corrupt model metadata, and should fail with a clear
// error rather than an out-of-memory kill.
const MaxHostPoolBytes = 64 << 30

// HostPool is the host-memory K/V storage of the CPU path: per layer, a K and
// a V byte array of NumBlocks blocks laid out as Layout describes. Block ids
// from a BlockPool of the same block count index it directly.
type HostPool struct {
	layout     Layout
	numBlocks  int
	blockBytes int
	k, v       [][]byte // [layer] -> numBlocks*blockBytes
}

// NewHostPool allocates the K and V arrays of layers layers, numBlocks
// blocks each (null block included, matching NewBlockPool).
func NewHostPool(layers int, layout Layout, numBlocks int) (*HostPool, error) {
	if err := layout.Validate(); err != nil {
		return nil, err
	}
	if layers < 1 || numBlocks < 1 {
		return nil, fmt.Errorf("cache: host pool needs positive layers and blocks, got %d layers, %d blocks",
			layers, numBlocks)
	}
	bb := layout.BlockBytes()
	total, ok := mulNoOverflow(2*layers, numBlocks, bb)
	if !ok || total > MaxHostPoolBytes {
		return nil, fmt.Errorf("cache: host pool of %d layers × 2 × %d blocks × %d bytes exceeds %d GiB",
			layers, numBlocks, bb, MaxHostPoolBytes>>30)
	}
	p := &HostPool{layout: layout, numBlocks: numBlocks, blockBytes: bb,
		k: make([][]byte, layers), v: make([][]byte, layers)}
	for i := range layers {
		p.k[i] = make([]byte, numBlocks*bb)
		p.v[i] = make([]byte, numBlocks*bb)
	}
	return p, nil
}

// mulNoOverflow multiplies non-negative ints, reporting overflow.
func mulNoOverflow(xs ...int) (int, bool) {
	prod := uint64(1)
	for _, x := range xs {
		hi, lo := bits.Mul64(prod, uint64(x))
		if hi != 0 || lo > 1<<62 {
			return 0, false
		}
		prod = lo
	}
	return int(prod), true
}

// Layout returns the block layout.
func (p *HostPool) Layout() Layout { return p.layout }

// Layers returns the number of layers.
func (p *HostPool) Layers() int { return len(p.k) }

// NumBlocks returns the number of blocks per layer and pool.
func (p *HostPool) NumBlocks() int { return p.numBlocks }

// Bytes returns the total bytes held (K and V, all layers).
func (p *HostPool) Bytes() int { return 2 * len(p.k) * p.numBlocks * p.blockBytes }

// K returns the bytes of block id of layer's K pool. The slice aliases the
// pool and its capacity ends with the block.
func (p *HostPool) K(layer int, id BlockID) []byte { return p.slice(p.k, layer, id) }

// V returns the bytes of block id of layer's V pool, like K.
func (p *HostPool) V(layer int, id BlockID) []byte { return p.slice(p.v, layer, id) }

func (p *HostPool) slice(pools [][]byte, layer int, id BlockID) []byte {
	if layer < 0 || layer >= len(pools) || id < 0 || int(id) >= p.numBlocks {
		panic(fmt.Sprintf("cache: (layer %d, block %d) outside host pool of %d layers × %d blocks",
			layer, id, len(pools), p.numBlocks))
	}
	lo := int(id) * p.blockBytes
	hi := lo + p.blockBytes
	return pools[layer][lo:hi:hi]
}
