package gguf

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func getterFile(t *testing.T) *File {
	t.Helper()
	kv := append(allValues(),
		I32("neg", -3), Arr("u16arr", Array{TypeUint16, []uint16{1, 65535}}),
		Arr("u32big", Array{TypeUint32, []uint32{1 << 31}}), Arr("f64arr", Array{TypeFloat64, []float64{0.5}}))
	f, err := ReadBytes(encode(t, kv, nil))
	require.NoError(t, err)
	return f
}

func TestGetters(t *testing.T) {
	f := getterFile(t)
	assert.Equal(t, "llama", f.Arch())
	assert.True(t, f.Has("u8"))
	assert.False(t, f.Has("nope"))

	s, err := f.String("utf8")
	require.NoError(t, err)
	assert.Equal(t, "héllo\x00world", s)

	for key, want := range map[string]uint64{"u8": 255, "u16": 65535, "u32": 1<<31 + 5, "u64": math.MaxUint64, "i8": 0} {
		got, err := f.Uint(key)
		if key == "i8" {
			assert.ErrorContains(t, err, "is -128, want a non-negative integer")
			continue
		}
		require.NoError(t, err, key)
		assert.Equal(t, want, got, key)
	}
	for key, want := range map[string]int64{"i8": -128, "i16": -32768, "i32": -7, "i64": math.MinInt64, "u32": 1<<31 + 5} {
		got, err := f.Int(key)
		require.NoError(t, err, key)
		assert.Equal(t, want, got, key)
	}
	_, err = f.Int("u64")
	assert.ErrorContains(t, err, "too large for int64")

	for key, want := range map[string]float64{"f32": 1.5, "f64": math.Pi, "i32": -7, "u64": math.MaxUint64} {
		got, err := f.Float(key)
		require.NoError(t, err, key)
		assert.Equal(t, want, got, key)
	}
	b, err := f.Bool("t")
	require.NoError(t, err)
	assert.True(t, b)
}

func TestArrayGetters(t *testing.T) {
	f := getterFile(t)
	ss, err := f.Strings("strs")
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "", "ccc"}, ss)
	fs, err := f.Float32s("f32s")
	require.NoError(t, err)
	assert.Equal(t, []float32{1, -2, float32(math.Inf(1))}, fs)
	fs, err = f.Float32s("f64arr")
	require.NoError(t, err)
	assert.Equal(t, []float32{0.5}, fs)
	is, err := f.Int32s("i32s")
	require.NoError(t, err)
	assert.Equal(t, []int32{-1, 0, 1 << 30}, is)
	is, err = f.Int32s("u16arr")
	require.NoError(t, err)
	assert.Equal(t, []int32{1, 65535}, is)
	_, err = f.Int32s("u32big")
	assert.ErrorContains(t, err, "element 0 does not fit int32")
	_, err = f.Int32s("bools")
	assert.ErrorContains(t, err, "is an array of BOOL, want an array of INT32")
}

func TestGetterErrors(t *testing.T) {
	f := getterFile(t)
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"missing string", func() error { _, err := f.String("general.name"); return err }, `gguf: key not found: "general.name"`},
		{"string of u32", func() error { _, err := f.String("u32"); return err }, `key "u32" is UINT32, want STRING`},
		{"uint of string", func() error { _, err := f.Uint("utf8"); return err }, `key "utf8" is STRING, want an unsigned integer`},
		{"int of float", func() error { _, err := f.Int("f32"); return err }, "is FLOAT32, want an integer"},
		{"float of bool", func() error { _, err := f.Float("t"); return err }, "is BOOL, want a number"},
		{"bool of u8", func() error { _, err := f.Bool("u8"); return err }, "is UINT8, want BOOL"},
		{"strings of int32s", func() error { _, err := f.Strings("i32s"); return err }, "is an array of INT32, want an array of STRING"},
		{"strings of scalar", func() error { _, err := f.Strings("utf8"); return err }, "is STRING, want an array of STRING"},
		{"float32s of strings", func() error { _, err := f.Float32s("strs"); return err }, "is an array of STRING, want an array of FLOAT32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorContains(t, tt.call(), tt.want)
		})
	}
	_, err := f.Uint("missing")
	assert.ErrorIs(t, err, ErrNoKey)
	_, err = f.Int32s("missing")
	assert.ErrorIs(t, err, ErrNoKey)
	_, ok := f.Tensor("missing")
	assert.False(t, ok)
	_, err = f.TensorData("missing")
	assert.ErrorContains(t, err, `no tensor "missing"`)
}
