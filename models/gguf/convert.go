package gguf

import "math"

// asUint returns an integer value as uint64 if it is not negative.
func asUint(v Value) (uint64, bool) {
	switch x := v.V.(type) {
	case uint8:
		return uint64(x), true
	case uint16:
		return uint64(x), true
	case uint32:
		return uint64(x), true
	case uint64:
		return x, true
	}
	if i, ok := asInt(v); ok && i >= 0 {
		return uint64(i), true
	}
	return 0, false
}

// asInt returns an integer value as int64 if it fits.
func asInt(v Value) (int64, bool) {
	switch x := v.V.(type) {
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
	}
	return 0, false
}

// intAt returns element i of an integer array as int64 (false if it is not
// an integer array or the value exceeds int64).
func intAt(a Array, i int) (int64, bool) {
	switch s := a.V.(type) {
	case []uint8:
		return int64(s[i]), true
	case []int8:
		return int64(s[i]), true
	case []uint16:
		return int64(s[i]), true
	case []int16:
		return int64(s[i]), true
	case []uint32:
		return int64(s[i]), true
	case []int32:
		return int64(s[i]), true
	case []uint64:
		return asInt(Value{TypeUint64, s[i]})
	case []int64:
		return s[i], true
	}
	return 0, false
}
