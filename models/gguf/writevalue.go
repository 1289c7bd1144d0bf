package gguf

import (
	"encoding/binary"
	"fmt"
	"math"
)

// appendValue encodes v (without its type id), checking that the Go type of
// v.V matches v.Type.
func appendValue(b []byte, v Value, depth int) ([]byte, error) {
	le := binary.LittleEndian
	mismatch := fmt.Errorf("%v value holds Go type %T", v.Type, v.V)
	switch x := v.V.(type) {
	case uint8:
		return check(v.Type == TypeUint8, append(b, x), mismatch)
	case int8:
		return check(v.Type == TypeInt8, append(b, byte(x)), mismatch)
	case uint16:
		return check(v.Type == TypeUint16, le.AppendUint16(b, x), mismatch)
	case int16:
		return check(v.Type == TypeInt16, le.AppendUint16(b, uint16(x)), mismatch)
	case uint32:
		return check(v.Type == TypeUint32, le.AppendUint32(b, x), mismatch)
	case int32:
		return check(v.Type == TypeInt32, le.AppendUint32(b, uint32(x)), mismatch)
	case float32:
		return check(v.Type == TypeFloat32, le.AppendUint32(b, math.Float32bits(x)), mismatch)
	case bool:
		return check(v.Type == TypeBool, append(b, boolByte(x)), mismatch)
	case string:
		return check(v.Type == TypeString, appendString(b, x), mismatch)
	case uint64:
		return check(v.Type == TypeUint64, le.AppendUint64(b, x), mismatch)
	case int64:
		return check(v.Type == TypeInt64, le.AppendUint64(b, uint64(x)), mismatch)
	case float64:
		return check(v.Type == TypeFloat64, le.AppendUint64(b, math.Float64bits(x)), mismatch)
	case Array:
		if v.Type != TypeArray {
			return nil, mismatch
		}
		return appendArray(b, x, depth+1)
	}
	return nil, mismatch
}

func check(ok bool, b []byte, err error) ([]byte, error) {
	if !ok {
		return nil, err
	}
	return b, nil
}

func boolByte(x bool) byte {
	if x {
		return 1
	}
	return 0
}

// appendArray encodes an array: element type, count, elements.
func appendArray(b []byte, a Array, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("arrays nested deeper than %d", maxDepth)
	}
	n := a.Len()
	if n < 0 || !elemMatches(a) {
		return nil, fmt.Errorf("array of %v holds Go type %T", a.Elem, a.V)
	}
	le := binary.LittleEndian
	b = le.AppendUint32(b, uint32(a.Elem))
	b = le.AppendUint64(b, uint64(n))
	switch s := a.V.(type) {
	case []uint8:
		return append(b, s...), nil
	case []int8:
		return appendEach(b, s, func(b []byte, x int8) []byte { return append(b, byte(x)) }), nil
	case []uint16:
		return appendEach(b, s, le.AppendUint16), nil
	case []int16:
		return appendEach(b, s, func(b []byte, x int16) []byte { return le.AppendUint16(b, uint16(x)) }), nil
	case []uint32:
		return appendEach(b, s, le.AppendUint32), nil
	case []int32:
		return appendEach(b, s, func(b []byte, x int32) []byte { return le.AppendUint32(b, uint32(x)) }), nil
	case []float32:
		return appendEach(b, s, func(b []byte, x float32) []byte { return le.AppendUint32(b, math.Float32bits(x)) }), nil
	case []bool:
		return appendEach(b, s, func(b []byte, x bool) []byte { return append(b, boolByte(x)) }), nil
	case []string:
		return appendEach(b, s, appendString), nil
	case []uint64:
		return appendEach(b, s, le.AppendUint64), nil
	case []int64:
		return appendEach(b, s, func(b []byte, x int64) []byte { return le.AppendUint64(b, uint64(x)) }), nil
	case []float64:
		return appendEach(b, s, func(b []byte, x float64) []byte { return le.AppendUint64(b, math.Float64bits(x)) }), nil
	case []Array:
		var err error
		for i, x := range s {
			if b, err = appendArray(b, x, depth+1); err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
		}
		return b, nil
	}
	return nil, fmt.Errorf("array holds Go type %T", a.V) // unreachable: Len checked
}

func appendEach[T any](b []byte, s []T, enc func([]byte, T) []byte) []byte {
	for _, x := range s {
		b = enc(b, x)
	}
	return b
}

// elemMatches reports whether the slice type of a.V is the one for a.Elem.
func elemMatches(a Array) bool {
	var want ValueType
	switch a.V.(type) {
	case []uint8:
		want = TypeUint8
	case []int8:
		want = TypeInt8
	case []uint16:
		want = TypeUint16
	case []int16:
		want = TypeInt16
	case []uint32:
		want = TypeUint32
	case []int32:
		want = TypeInt32
	case []float32:
		want = TypeFloat32
	case []bool:
		want = TypeBool
	case []string:
		want = TypeString
	case []uint64:
		want = TypeUint64
	case []int64:
		want = TypeInt64
	case []float64:
		want = TypeFloat64
	case []Array:
		want = TypeArray
	}
	return a.Elem == want
}
