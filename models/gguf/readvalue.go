package gguf

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"
)

// maxDepth bounds array nesting; llama.cpp writes at most one level.
const maxDepth = 8

// maxArray bounds any array's element count on top of the file-size check.
const maxArray = 1 << 30

// value reads one value of type t; depth counts enclosing arrays.
func (c *cursor) value(t ValueType, depth int) (Value, error) {
	at := c.off
	if t == TypeArray {
		a, err := c.array(depth + 1)
		return Value{TypeArray, a}, err
	}
	if t == TypeString {
		s, err := c.str("string", math.MaxInt64)
		return Value{t, s}, err
	}
	size := t.size()
	if size == 0 {
		return Value{}, formatErr(at, "unknown value type %d", uint32(t))
	}
	b, err := c.take(int64(size), t.String()+" value")
	if err != nil {
		return Value{}, err
	}
	v, err := scalar(t, b)
	if err != nil {
		return Value{}, formatErr(at, "%v", err)
	}
	return Value{t, v}, nil
}

type boolError uint8

func (e boolError) Error() string { return fmt.Sprintf("bool value %d is not 0 or 1", uint8(e)) }

// scalar decodes a fixed-size value from exactly t.size() bytes.
func scalar(t ValueType, b []byte) (any, error) {
	le := binary.LittleEndian
	switch t {
	case TypeUint8:
		return b[0], nil
	case TypeInt8:
		return int8(b[0]), nil
	case TypeUint16:
		return le.Uint16(b), nil
	case TypeInt16:
		return int16(le.Uint16(b)), nil
	case TypeUint32:
		return le.Uint32(b), nil
	case TypeInt32:
		return int32(le.Uint32(b)), nil
	case TypeFloat32:
		return math.Float32frombits(le.Uint32(b)), nil
	case TypeBool:
		if b[0] > 1 {
			return nil, boolError(b[0])
		}
		return b[0] == 1, nil
	case TypeUint64:
		return le.Uint64(b), nil
	case TypeInt64:
		return int64(le.Uint64(b)), nil
	case TypeFloat64:
		return math.Float64frombits(le.Uint64(b)), nil
	}
	return nil, nil // unreachable: callers check t.size() first
}

// array reads an array header and its elements.
func (c *cursor) array(depth int) (Array, error) {
	at := c.off
	if depth > maxDepth {
		return Array{}, formatErr(at, "arrays nested deeper than %d", maxDepth)
	}
	et, err := c.u32("array element type")
	if err != nil {
		return Array{}, err
	}
	elem := ValueType(et)
	if elem.minSize() == 0 {
		return Array{}, formatErr(at, "array of unknown value type %d", et)
	}
	n, err := c.count("array length", elem.minSize(), maxArray)
	if err != nil {
		return Array{}, err
	}
	switch elem {
	case TypeString:
		v, err := c.strings(n)
		return Array{elem, v}, err
	case TypeArray:
		v, err := c.arrays(n, depth)
		return Array{elem, v}, err
	}
	b, err := c.take(int64(n)*int64(elem.size()), elem.String()+" array")
	if err != nil {
		return Array{}, err
	}
	v, err := fixedArray(elem, b, n)
	if err != nil {
		return Array{}, formatErr(at, "%v", err)
	}
	return Array{elem, v}, nil
}

// strings reads n strings into one shared backing allocation: a first pass
// validates the lengths and sums them, a second copies the bytes. Two cheap
// passes beat 100k small allocations for large vocabularies and merges.
func (c *cursor) strings(n int) ([]string, error) {
	start := c.off
	var total int64
	for range n {
		b, err := c.strBytes()
		if err != nil {
			return nil, err
		}
		total += int64(len(b))
	}
	c.off = start
	block := make([]byte, 0, total) // total <= bytes of the file just walked
	out := make([]string, n)
	for i := range out {
		b, err := c.strBytes()
		if err != nil || len(block)+len(b) > cap(block) {
			// The bytes changed between passes (a file modified under us);
			// refuse rather than let append move strings already made.
			return nil, formatErr(c.off, "string array changed while being read")
		}
		at := len(block)
		block = append(block, b...)
		out[i] = unsafe.String(unsafe.SliceData(block[at:]), len(b))
	}
	return out, nil
}

// strBytes reads one array string and returns its bytes (valid until the
// next read).
func (c *cursor) strBytes() ([]byte, error) {
	at := c.off
	n, err := c.u64("array string length")
	if err != nil {
		return nil, err
	}
	if n > uint64(c.remaining()) {
		return nil, formatErr(at, "array string length %d exceeds the %d bytes left", n, c.remaining())
	}
	return c.take(int64(n), "array string")
}

func (c *cursor) arrays(n, depth int) ([]Array, error) {
	out := make([]Array, n)
	for i := range out {
		a, err := c.array(depth + 1)
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

// fixedArray decodes n fixed-size elements from b in one typed loop per
// element type, without reflection (vocabularies have 100k+ entries).
func fixedArray(t ValueType, b []byte, n int) (any, error) {
	le := binary.LittleEndian
	switch t {
	case TypeUint8:
		return decodeN(n, func(i int) uint8 { return b[i] }), nil
	case TypeInt8:
		return decodeN(n, func(i int) int8 { return int8(b[i]) }), nil
	case TypeUint16:
		return decodeN(n, func(i int) uint16 { return le.Uint16(b[2*i:]) }), nil
	case TypeInt16:
		return decodeN(n, func(i int) int16 { return int16(le.Uint16(b[2*i:])) }), nil
	case TypeUint32:
		return decodeN(n, func(i int) uint32 { return le.Uint32(b[4*i:]) }), nil
	case TypeInt32:
		return decodeN(n, func(i int) int32 { return int32(le.Uint32(b[4*i:])) }), nil
	case TypeFloat32:
		return decodeN(n, func(i int) float32 { return math.Float32frombits(le.Uint32(b[4*i:])) }), nil
	case TypeUint64:
		return decodeN(n, func(i int) uint64 { return le.Uint64(b[8*i:]) }), nil
	case TypeInt64:
		return decodeN(n, func(i int) int64 { return int64(le.Uint64(b[8*i:])) }), nil
	case TypeFloat64:
		return decodeN(n, func(i int) float64 { return math.Float64frombits(le.Uint64(b[8*i:])) }), nil
	case TypeBool:
		out := make([]bool, n)
		for i := range out {
			if b[i] > 1 {
				return nil, boolError(b[i])
			}
			out[i] = b[i] == 1
		}
		return out, nil
	}
	return nil, nil // unreachable: minSize checked
}

func decodeN[T any](n int, at func(int) T) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = at(i)
	}
	return out
}
