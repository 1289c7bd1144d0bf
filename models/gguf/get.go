package gguf

import (
	"fmt"
	"math"
)

// Has reports whether key is present.
func (f *File) Has(key string) bool {
	_, ok := f.kvIndex[key]
	return ok
}

// Get returns the value of key.
func (f *File) Get(key string) (Value, bool) {
	i, ok := f.kvIndex[key]
	if !ok {
		return Value{}, false
	}
	return f.KV[i].Value, true
}

// Arch returns general.architecture, or "" if absent or not a string.
func (f *File) Arch() string {
	s, _ := f.String("general.architecture")
	return s
}

func (f *File) need(key string) (Value, error) {
	v, ok := f.Get(key)
	if !ok {
		return v, fmt.Errorf("%w: %q", ErrNoKey, key)
	}
	return v, nil
}

func typeErr(key string, v Value, want string) error {
	if a, ok := v.V.(Array); ok {
		return fmt.Errorf("gguf: key %q is an array of %v, want %s", key, a.Elem, want)
	}
	return fmt.Errorf("gguf: key %q is %v, want %s", key, v.Type, want)
}

// String returns a string value.
func (f *File) String(key string) (string, error) {
	v, err := f.need(key)
	if err != nil {
		return "", err
	}
	s, ok := v.V.(string)
	if !ok {
		return "", typeErr(key, v, "STRING")
	}
	return s, nil
}

// Uint returns any integer value that is not negative.
func (f *File) Uint(key string) (uint64, error) {
	v, err := f.need(key)
	if err != nil {
		return 0, err
	}
	if u, ok := asUint(v); ok {
		return u, nil
	}
	if i, ok := asInt(v); ok {
		return 0, fmt.Errorf("gguf: key %q is %d, want a non-negative integer", key, i)
	}
	return 0, typeErr(key, v, "an unsigned integer")
}

// Int returns any integer value that fits int64.
func (f *File) Int(key string) (int64, error) {
	v, err := f.need(key)
	if err != nil {
		return 0, err
	}
	if i, ok := asInt(v); ok {
		return i, nil
	}
	if u, ok := asUint(v); ok {
		return 0, fmt.Errorf("gguf: key %q is %d, too large for int64", key, u)
	}
	return 0, typeErr(key, v, "an integer")
}

// Float returns a float32, float64 or integer value as float64.
func (f *File) Float(key string) (float64, error) {
	v, err := f.need(key)
	if err != nil {
		return 0, err
	}
	switch x := v.V.(type) {
	case float32:
		return float64(x), nil
	case float64:
		return x, nil
	}
	if i, ok := asInt(v); ok {
		return float64(i), nil
	}
	if u, ok := asUint(v); ok {
		return float64(u), nil
	}
	return 0, typeErr(key, v, "a number")
}

// Bool returns a bool value.
func (f *File) Bool(key string) (bool, error) {
	v, err := f.need(key)
	if err != nil {
		return false, err
	}
	b, ok := v.V.(bool)
	if !ok {
		return false, typeErr(key, v, "BOOL")
	}
	return b, nil
}

// array returns the Array value of key.
func (f *File) array(key, want string) (Array, error) {
	v, err := f.need(key)
	if err != nil {
		return Array{}, err
	}
	a, ok := v.V.(Array)
	if !ok {
		return Array{}, typeErr(key, v, want)
	}
	return a, nil
}

// Strings returns an array of strings. The slice is shared with the File.
func (f *File) Strings(key string) ([]string, error) {
	a, err := f.array(key, "an array of STRING")
	if err != nil {
		return nil, err
	}
	s, ok := a.V.([]string)
	if !ok {
		return nil, typeErr(key, Value{TypeArray, a}, "an array of STRING")
	}
	return s, nil
}

// Float32s returns an array of FLOAT32 (shared with the File) or a
// converted copy of a FLOAT64 array.
func (f *File) Float32s(key string) ([]float32, error) {
	a, err := f.array(key, "an array of FLOAT32")
	if err != nil {
		return nil, err
	}
	switch s := a.V.(type) {
	case []float32:
		return s, nil
	case []float64:
		out := make([]float32, len(s))
		for i, x := range s {
			out[i] = float32(x)
		}
		return out, nil
	}
	return nil, typeErr(key, Value{TypeArray, a}, "an array of FLOAT32")
}

// Int32s returns an array of INT32 (shared with the File) or a converted
// copy of any other integer array whose values all fit int32.
func (f *File) Int32s(key string) ([]int32, error) {
	a, err := f.array(key, "an array of INT32")
	if err != nil {
		return nil, err
	}
	if s, ok := a.V.([]int32); ok {
		return s, nil
	}
	n := a.Len()
	if a.Elem == TypeBool || a.Elem.size() == 0 || n < 0 {
		return nil, typeErr(key, Value{TypeArray, a}, "an array of INT32")
	}
	out := make([]int32, n)
	for i := range out {
		x, ok := intAt(a, i)
		if !ok || x < math.MinInt32 || x > math.MaxInt32 {
			return nil, fmt.Errorf("gguf: key %q element %d does not fit int32", key, i)
		}
		out[i] = int32(x)
	}
	return out, nil
}
