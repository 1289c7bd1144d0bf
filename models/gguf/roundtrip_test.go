package gguf

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/models/quant"
)

func encode(t testing.TB, kv []KV, tensors []WriteTensor) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, kv, tensors))
	return buf.Bytes()
}

// allValues has one key per value type, including nested arrays.
func allValues() []KV {
	return []KV{
		Str("general.architecture", "llama"),
		U8("u8", 255), I8("i8", -128), U16("u16", 65535), I16("i16", -32768),
		U32("u32", 1<<31+5), I32("i32", -7), F32("f32", 1.5), Bool("t", true), Bool("f", false),
		Str("empty", ""), Str("utf8", "héllo\x00world"), U64("u64", math.MaxUint64), I64("i64", math.MinInt64),
		F64("f64", math.Pi),
		StrArr("strs", []string{"a", "", "ccc"}), F32Arr("f32s", []float32{1, -2, float32(math.Inf(1))}),
		I32Arr("i32s", []int32{-1, 0, 1 << 30}), U32Arr("u32s", []uint32{}),
		Arr("u8s", Array{TypeUint8, []uint8{1, 2}}), Arr("i8s", Array{TypeInt8, []int8{-1}}),
		Arr("u16s", Array{TypeUint16, []uint16{9}}), Arr("i16s", Array{TypeInt16, []int16{-9}}),
		Arr("bools", Array{TypeBool, []bool{true, false}}), Arr("u64s", Array{TypeUint64, []uint64{1 << 60}}),
		Arr("i64s", Array{TypeInt64, []int64{-1 << 60}}), Arr("f64s", Array{TypeFloat64, []float64{0.25}}),
		Arr("nested", Array{TypeArray, []Array{
			{TypeString, []string{"x", "y"}},
			{TypeArray, []Array{{TypeInt32, []int32{3}}}},
			{TypeUint8, []uint8{}},
		}}),
	}
}

// tensorsOfEveryType makes one tensor of each known type with random bytes
// of the right size and shapes of 1 to 4 dimensions.
func tensorsOfEveryType(seed uint64) []WriteTensor {
	rng := rand.New(rand.NewPCG(seed, 1))
	var out []WriteTensor
	for ty := quant.Type(0); ty < 64; ty++ {
		if !ty.Known() {
			continue
		}
		dims := []uint64{uint64(ty.BlockSize()) * uint64(1+rng.IntN(3))}
		for range rng.IntN(4) {
			dims = append(dims, uint64(1+rng.IntN(3)))
		}
		info := TensorInfo{Dims: dims, Type: ty}
		n, _ := info.Bytes()
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		out = append(out, WriteTensor{Name: "t." + ty.String(), Dims: dims, Type: ty, Data: data})
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	for _, align := range []uint32{0, 32, 64, 1, 4096} {
		kv := allValues()
		if align != 0 {
			kv = append(kv, U32("general.alignment", align))
		}
		tensors := tensorsOfEveryType(uint64(align))
		data := encode(t, kv, tensors)
		f, err := ReadBytes(data)
		require.NoError(t, err, "alignment %d", align)
		checkFile(t, f, kv, tensors, max(uint64(align), 32*uint64(1-min(align, 1))))
		f2, err := Read(bytes.NewReader(data), int64(len(data)))
		require.NoError(t, err)
		checkFile(t, f2, kv, tensors, f.Alignment)
	}
}

func checkFile(t *testing.T, f *File, kv []KV, tensors []WriteTensor, align uint64) {
	t.Helper()
	assert.Equal(t, uint32(3), f.Version)
	assert.Equal(t, align, f.Alignment)
	assert.Equal(t, kv, f.KV)
	assert.Zero(t, f.DataOffset%int64(align))
	require.Len(t, f.Tensors, len(tensors))
	for i, wt := range tensors {
		ti := f.Tensors[i]
		assert.Equal(t, wt.Name, ti.Name)
		assert.Equal(t, wt.Dims, ti.Dims)
		assert.Equal(t, wt.Type, ti.Type)
		assert.Zero(t, ti.Offset%align, wt.Name)
		got, err := f.TensorData(wt.Name)
		require.NoError(t, err)
		assert.Equal(t, wt.Data, got, wt.Name)
	}
}

func TestWriteFileOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.gguf")
	kv := allValues()
	tensors := tensorsOfEveryType(5)
	require.NoError(t, WriteFile(path, kv, tensors))
	f, err := Open(path)
	require.NoError(t, err)
	checkFile(t, f, kv, tensors, 32)
	require.NoError(t, f.Close())
	require.NoError(t, f.Close(), "Close is idempotent")
	_, err = f.TensorData(tensors[0].Name)
	assert.ErrorIs(t, err, ErrClosed)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), st.Mode().Perm())
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*.tmp*"))
	assert.Empty(t, matches, "temporary file left behind")
}

func TestWriteErrors(t *testing.T) {
	f32 := func(n int) []byte { return make([]byte, 4*n) }
	tests := []struct {
		name    string
		kv      []KV
		tensors []WriteTensor
		want    string
	}{
		{"duplicate key", []KV{U8("a", 1), U8("a", 2)}, nil, `duplicate key "a"`},
		{"type mismatch", []KV{{"a", Value{TypeUint32, int32(1)}}}, nil, "UINT32 value holds Go type int32"},
		{"array mismatch", []KV{Arr("a", Array{TypeInt32, []uint32{1}})}, nil, "array of INT32 holds Go type []uint32"},
		{"nil value", []KV{{"a", Value{TypeString, nil}}}, nil, "holds Go type <nil>"},
		{"bad alignment", []KV{U32("general.alignment", 48)}, nil, "power of two"},
		{"duplicate tensor", nil, []WriteTensor{{"w", []uint64{1}, quant.F32, f32(1)}, {"w", []uint64{1}, quant.F32, f32(1)}}, "duplicate tensor name"},
		{"wrong size", nil, []WriteTensor{{"w", []uint64{2}, quant.F32, f32(1)}}, "needs 8 bytes, data has 4"},
		{"five dims", nil, []WriteTensor{{"w", []uint64{1, 1, 1, 1, 1}, quant.F32, f32(1)}}, "5 dimensions"},
		{"zero dim", nil, []WriteTensor{{"w", []uint64{0}, quant.F32, nil}}, "dimension 0"},
		{"partial block", nil, []WriteTensor{{"w", []uint64{16}, quant.Q8_0, make([]byte, 17)}}, "multiple of"},
		{"unknown type", nil, []WriteTensor{{"w", []uint64{1}, quant.Type(99), f32(1)}}, "unknown tensor type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorContains(t, Write(&bytes.Buffer{}, tt.kv, tt.tensors), tt.want)
		})
	}
}
