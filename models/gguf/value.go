package gguf

import "fmt"

// ValueType is a GGUF metadata value type id.
type ValueType uint32

// GGUF metadata value types.
const (
	TypeUint8   ValueType = 0
	TypeInt8    ValueType = 1
	TypeUint16  ValueType = 2
	TypeInt16   ValueType = 3
	TypeUint32  ValueType = 4
	TypeInt32   ValueType = 5
	TypeFloat32 ValueType = 6
	TypeBool    ValueType = 7
	TypeString  ValueType = 8
	TypeArray   ValueType = 9
	TypeUint64  ValueType = 10
	TypeInt64   ValueType = 11
	TypeFloat64 ValueType = 12
)

var valueTypeNames = [...]string{
	"UINT8", "INT8", "UINT16", "INT16", "UINT32", "INT32", "FLOAT32",
	"BOOL", "STRING", "ARRAY", "UINT64", "INT64", "FLOAT64",
}

// String returns the GGUF name ("UINT32", "STRING") or "valuetype(N)".
func (t ValueType) String() string {
	if int(t) < len(valueTypeNames) {
		return valueTypeNames[t]
	}
	return fmt.Sprintf("valuetype(%d)", uint32(t))
}

// size returns the encoded bytes of one scalar of type t, or 0 for strings,
// arrays and unknown types.
func (t ValueType) size() int {
	switch t {
	case TypeUint8, TypeInt8, TypeBool:
		return 1
	case TypeUint16, TypeInt16:
		return 2
	case TypeUint32, TypeInt32, TypeFloat32:
		return 4
	case TypeUint64, TypeInt64, TypeFloat64:
		return 8
	}
	return 0
}

// minSize is the fewest bytes one value of type t can occupy in a file: a
// string is at least its 8-byte length, an array its type and count.
func (t ValueType) minSize() int {
	switch t {
	case TypeString:
		return 8
	case TypeArray:
		return 4 + 8
	}
	return t.size()
}

// Value is one metadata value. V holds the Go type matching Type: uint8,
// int8, uint16, int16, uint32, int32, float32, bool, string, uint64, int64,
// float64, or Array.
type Value struct {
	Type ValueType
	V    any
}

// Array is a metadata array. V is a typed slice matching Elem: []uint8,
// []int8, []uint16, []int16, []uint32, []int32, []float32, []bool,
// []string, []uint64, []int64, []float64, or []Array for nested arrays.
type Array struct {
	Elem ValueType
	V    any
}

// Len returns the number of elements, or -1 if V does not match Elem.
func (a Array) Len() int {
	switch v := a.V.(type) {
	case []uint8:
		return len(v)
	case []int8:
		return len(v)
	case []uint16:
		return len(v)
	case []int16:
		return len(v)
	case []uint32:
		return len(v)
	case []int32:
		return len(v)
	case []float32:
		return len(v)
	case []bool:
		return len(v)
	case []string:
		return len(v)
	case []uint64:
		return len(v)
	case []int64:
		return len(v)
	case []float64:
		return len(v)
	case []Array:
		return len(v)
	}
	return -1
}

// KV is one metadata key and its value.
type KV struct {
	Key   string
	Value Value
}

// Constructors for writing metadata.

func U8(k string, v uint8) KV         { return KV{k, Value{TypeUint8, v}} }
func I8(k string, v int8) KV          { return KV{k, Value{TypeInt8, v}} }
func U16(k string, v uint16) KV       { return KV{k, Value{TypeUint16, v}} }
func I16(k string, v int16) KV        { return KV{k, Value{TypeInt16, v}} }
func U32(k string, v uint32) KV       { return KV{k, Value{TypeUint32, v}} }
func I32(k string, v int32) KV        { return KV{k, Value{TypeInt32, v}} }
func F32(k string, v float32) KV      { return KV{k, Value{TypeFloat32, v}} }
func Bool(k string, v bool) KV        { return KV{k, Value{TypeBool, v}} }
func Str(k string, v string) KV       { return KV{k, Value{TypeString, v}} }
func U64(k string, v uint64) KV       { return KV{k, Value{TypeUint64, v}} }
func I64(k string, v int64) KV        { return KV{k, Value{TypeInt64, v}} }
func F64(k string, v float64) KV      { return KV{k, Value{TypeFloat64, v}} }
func Arr(k string, a Array) KV        { return KV{k, Value{TypeArray, a}} }
func StrArr(k string, v []string) KV  { return Arr(k, Array{TypeString, v}) }
func F32Arr(k string, v []float32) KV { return Arr(k, Array{TypeFloat32, v}) }
func I32Arr(k string, v []int32) KV   { return Arr(k, Array{TypeInt32, v}) }
func U32Arr(k string, v []uint32) KV  { return Arr(k, Array{TypeUint32, v}) }
