package quant

import (
	"errors"
	"fmt"
	"strings"
)

// Type is a GGML tensor type id as stored in GGUF tensor infos.
type Type uint32

// GGML type ids. Gaps (4, 5, 31-33, 36-38) are ids ggml retired; they are
// unknown here.
const (
	F32     Type = 0
	F16     Type = 1
	Q4_0    Type = 2
	Q4_1    Type = 3
	Q5_0    Type = 6
	Q5_1    Type = 7
	Q8_0    Type = 8
	Q8_1    Type = 9
	Q2_K    Type = 10
	Q3_K    Type = 11
	Q4_K    Type = 12
	Q5_K    Type = 13
	Q6_K    Type = 14
	Q8_K    Type = 15
	IQ2_XXS Type = 16
	IQ2_XS  Type = 17
	IQ3_XXS Type = 18
	IQ1_S   Type = 19
	IQ4_NL  Type = 20
	IQ3_S   Type = 21
	IQ2_S   Type = 22
	IQ4_XS  Type = 23
	I8      Type = 24
	I16     Type = 25
	I32     Type = 26
	I64     Type = 27
	F64     Type = 28
	IQ1_M   Type = 29
	BF16    Type = 30
	TQ1_0   Type = 34
	TQ2_0   Type = 35
	MXFP4   Type = 39
)

// ErrUnsupported is returned for types whose layout is known but that this
// package cannot convert (or cannot produce, for Quantize).
var ErrUnsupported = errors.New("quant: unsupported type")

// qk is the number of values in one super-block of the K-quants.
const qk = 256

// layout describes one type's block: values per block and bytes per block.
type layout struct {
	name       string
	blockSize  int
	blockBytes int
}

// layouts holds every type whose storage size we know, from ggml's
// type_traits (ggml.c) and block structs (ggml-common.h).
var layouts = map[Type]layout{
	F32:     {"F32", 1, 4},
	F16:     {"F16", 1, 2},
	Q4_0:    {"Q4_0", 32, 2 + 16},
	Q4_1:    {"Q4_1", 32, 2 + 2 + 16},
	Q5_0:    {"Q5_0", 32, 2 + 4 + 16},
	Q5_1:    {"Q5_1", 32, 2 + 2 + 4 + 16},
	Q8_0:    {"Q8_0", 32, 2 + 32},
	Q8_1:    {"Q8_1", 32, 2 + 2 + 32},
	Q2_K:    {"Q2_K", qk, qk/16 + qk/4 + 2 + 2},
	Q3_K:    {"Q3_K", qk, qk/8 + qk/4 + 12 + 2},
	Q4_K:    {"Q4_K", qk, 2 + 2 + 12 + qk/2},
	Q5_K:    {"Q5_K", qk, 2 + 2 + 12 + qk/8 + qk/2},
	Q6_K:    {"Q6_K", qk, qk/2 + qk/4 + qk/16 + 2},
	Q8_K:    {"Q8_K", qk, 4 + qk + qk/16*2},
	IQ2_XXS: {"IQ2_XXS", qk, 2 + qk/8*2},
	IQ2_XS:  {"IQ2_XS", qk, 2 + qk/8*2 + qk/32},
	IQ3_XXS: {"IQ3_XXS", qk, 2 + 3*qk/8},
	IQ1_S:   {"IQ1_S", qk, 2 + qk/8 + qk/16},
	IQ4_NL:  {"IQ4_NL", 32, 2 + 16},
	IQ3_S:   {"IQ3_S", qk, 2 + qk/4 + qk/8 + qk/32 + 4},
	IQ2_S:   {"IQ2_S", qk, 2 + qk/4 + qk/32 + qk/32},
	IQ4_XS:  {"IQ4_XS", qk, 2 + 2 + qk/64 + qk/2},
	I8:      {"I8", 1, 1},
	I16:     {"I16", 1, 2},
	I32:     {"I32", 1, 4},
	I64:     {"I64", 1, 8},
	F64:     {"F64", 1, 8},
	IQ1_M:   {"IQ1_M", qk, qk/8 + qk/16 + qk/32},
	BF16:    {"BF16", 1, 2},
	TQ1_0:   {"TQ1_0", qk, (qk-4*qk/64)/5 + qk/64 + 2},
	TQ2_0:   {"TQ2_0", qk, qk/4 + 2},
	MXFP4:   {"MXFP4", 32, 1 + 16},
}

// String returns the ggml name ("F32", "Q8_0") or "type(N)" for unknown ids.
func (t Type) String() string {
	if l, ok := layouts[t]; ok {
		return l.name
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// ParseType maps a type name, in any case, to its Type.
func ParseType(s string) (Type, error) {
	for t, l := range layouts {
		if strings.EqualFold(l.name, s) {
			return t, nil
		}
	}
	return 0, fmt.Errorf("quant: unknown type name %q", s)
}

// Known reports whether the storage layout of t is known, so that the size
// of a tensor of this type can be computed.
func (t Type) Known() bool {
	_, ok := layouts[t]
	return ok
}

// Supported reports whether Dequantize can convert t.
func (t Type) Supported() bool {
	_, ok := dequantizers[t]
	return ok
}

// BlockSize returns the number of values in one block (1 for scalar types),
// or 0 for unknown types.
func (t Type) BlockSize() int { return layouts[t].blockSize }

// BlockBytes returns the bytes of one block, or 0 for unknown types.
func (t Type) BlockBytes() int { return layouts[t].blockBytes }

// RowBytes returns the bytes that n values of type t occupy. n must be a
// non-negative multiple of the block size.
func (t Type) RowBytes(n int) (int, error) {
	l, ok := layouts[t]
	if !ok {
		return 0, fmt.Errorf("quant: %v: unknown type", t)
	}
	if n < 0 || n%l.blockSize != 0 {
		return 0, fmt.Errorf("quant: %v: %d values is not a multiple of the block size %d", t, n, l.blockSize)
	}
	blocks := n / l.blockSize
	if blocks > 0 && l.blockBytes > maxInt/blocks {
		return 0, fmt.Errorf("quant: %v: %d values overflow int", t, n)
	}
	return blocks * l.blockBytes, nil
}

const maxInt = int(^uint(0) >> 1)
