package cache

import (
	"fmt"
	"strings"
)

// KVType is the element type of stored K/V values.
type KVType uint8

// KV element types. Int8 stores one fp32 scale per (token, KV head).
const (
	KVF32 KVType = iota
	KVF16
	KVInt8
)

var kvTypeNames = [...]string{KVF32: "f32", KVF16: "f16", KVInt8: "int8"}

// String returns "f32", "f16" or "int8".
func (t KVType) String() string {
	if int(t) < len(kvTypeNames) {
		return kvTypeNames[t]
	}
	return fmt.Sprintf("KVType(%d)", uint8(t))
}

// ParseKVType parses the names String returns (case-insensitive).
func ParseKVType(s string) (KVType, error) {
	for t, name := range kvTypeNames {
		if strings.EqualFold(s, name) {
			return KVType(t), nil
		}
	}
	return 0, fmt.Errorf("cache: unknown KV type %q (want f32, f16 or int8)", s)
}

// ValueBytes returns the bytes of one stored value.
func (t KVType) ValueBytes() int {
	switch t {
	case KVF32:
		return 4
	case KVF16:
		return 2
	case KVInt8:
		return 1
	}
	panic(fmt.Sprintf("cache: %v has no value size", t))
}

// scaleBytes returns the per-(token, head) scale bytes: 4 for int8, else 0.
func (t KVType) scaleBytes() int {
	if t == KVInt8 {
		return 4
	}
	return 0
}

// Limits on layout shapes, far above any real model. The shape limits keep
// the products below from overflowing int; maxBlockBytes keeps in-block byte
// offsets inside int32 for the device side.
const (
	maxBlockSize  = 1 << 10
	maxKVHeads    = 1 << 10
	maxHeadDim    = 1 << 12
	maxBlockBytes = 1 << 28
)

// Layout describes one block of one pool (the K pool or the V pool of one
// layer). This is the host/device contract of DESIGN.md "KV cache layout":
//
//	values [KVHeads][BlockSize][HeadDim] of Type, padded to 4 bytes
//	scales [KVHeads][BlockSize] float32, little endian   (int8 only)
//
// f32 and f16 values are little endian; int8 values are two's complement.
type Layout struct {
	Type      KVType
	BlockSize int
	KVHeads   int
	HeadDim   int
}

// Validate reports a layout the pools cannot hold.
func (l Layout) Validate() error {
	switch {
	case int(l.Type) >= len(kvTypeNames):
		return fmt.Errorf("cache: layout: unknown KV type %d", l.Type)
	case l.BlockSize < 1 || l.BlockSize > maxBlockSize:
		return fmt.Errorf("cache: layout: block size %d outside [1, %d]", l.BlockSize, maxBlockSize)
	case l.KVHeads < 1 || l.KVHeads > maxKVHeads:
		return fmt.Errorf("cache: layout: KV heads %d outside [1, %d]", l.KVHeads, maxKVHeads)
	case l.HeadDim < 1 || l.HeadDim > maxHeadDim:
		return fmt.Errorf("cache: layout: head dim %d outside [1, %d]", l.HeadDim, maxHeadDim)
	case l.BlockBytes() > maxBlockBytes:
		return fmt.Errorf("cache: layout %v: block of %d bytes exceeds %d", l, l.BlockBytes(), maxBlockBytes)
	}
	return nil
}

// String formats the layout for logs, e.g. "int8 B=16 kv_heads=8 head_dim=128".
func (l Layout) String() string {
	return fmt.Sprintf("%v B=%d kv_heads=%d head_dim=%d", l.Type, l.BlockSize, l.KVHeads, l.HeadDim)
}

// valuesBytes is the size of the values section, padded to 4 bytes so the
// scales (and the next block) stay word aligned for uint-addressed shaders.
func (l Layout) valuesBytes() int {
	return align4(l.KVHeads * l.BlockSize * l.HeadDim * l.Type.ValueBytes())
}

// BlockBytes returns the bytes of one block of one pool for one layer.
func (l Layout) BlockBytes() int {
	return l.valuesBytes() + l.KVHeads*l.BlockSize*l.Type.scaleBytes()
}

// ValueOffset returns the byte offset, within a block, of the first value of
// the (head, slot) vector.
func (l Layout) ValueOffset(head, slot int) int {
	l.checkVector(head, slot)
	return (head*l.BlockSize + slot) * l.HeadDim * l.Type.ValueBytes()
}

// ScaleOffset returns the byte offset, within a block, of the fp32 scale of
// the (head, slot) vector. Only int8 layouts have scales; others panic.
func (l Layout) ScaleOffset(head, slot int) int {
	if l.Type != KVInt8 {
		panic(fmt.Sprintf("cache: ScaleOffset on a %v layout", l.Type))
	}
	l.checkVector(head, slot)
	return l.valuesBytes() + (head*l.BlockSize+slot)*4
}

// BytesPerToken returns the K plus V bytes one token costs across layers,
// 2 × layers × kv_heads × (head_dim × value bytes + scale bytes), ignoring
// the at most 3 bytes of per-block padding.
func (l Layout) BytesPerToken(layers int) int {
	return 2 * layers * l.KVHeads * (l.HeadDim*l.Type.ValueBytes() + l.Type.scaleBytes())
}

func (l Layout) checkVector(head, slot int) {
	if head < 0 || head >= l.KVHeads || slot < 0 || slot >= l.BlockSize {
		panic(fmt.Sprintf("cache: (head %d, slot %d) outside layout %v", head, slot, l))
	}
}

func align4(n int) int { return (n + 3) &^ 3 }
