package synth

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/models/gguf"
	"github.com/vkllm/vkllm/models/quant"
)

// small is a GQA shape whose rows are whole blocks of every type.
func small(typ quant.Type) Config {
	return Config{Layers: 2, Dim: 64, FFN: 96, Heads: 4, KVHeads: 2, Vocab: 300, Context: 256, Type: typ, Seed: 7}
}

// wantShapes lists, independently of plan(), the tensors of small() with
// their GGUF dims (innermost first).
func wantShapes(tied bool) map[string][]uint64 {
	m := map[string][]uint64{
		"token_embd.weight":  {64, 300},
		"output_norm.weight": {64},
	}
	if !tied {
		m["output.weight"] = []uint64{64, 300}
	}
	for i := range 2 {
		p := fmt.Sprintf("blk.%d.", i)
		m[p+"attn_norm.weight"] = []uint64{64}
		m[p+"attn_q.weight"] = []uint64{64, 64}
		m[p+"attn_k.weight"] = []uint64{64, 32}
		m[p+"attn_v.weight"] = []uint64{64, 32}
		m[p+"attn_output.weight"] = []uint64{64, 64}
		m[p+"ffn_norm.weight"] = []uint64{64}
		m[p+"ffn_gate.weight"] = []uint64{64, 96}
		m[p+"ffn_up.weight"] = []uint64{64, 96}
		m[p+"ffn_down.weight"] = []uint64{96, 64}
	}
	return m
}

func TestWriteReadBack(t *testing.T) {
	tests := []struct {
		typ      quant.Type
		fileType uint64
	}{
		{quant.F32, 0}, {quant.F16, 1}, {quant.BF16, 32}, {quant.Q8_0, 7}, {quant.Q4_0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.typ.String(), func(t *testing.T) {
			f, err := gguf.Open(TempModel(t, small(tt.typ)))
			require.NoError(t, err)
			defer f.Close()
			checkMetadata(t, f, tt.fileType)
			want := wantShapes(false)
			require.Len(t, f.Tensors, len(want))
			for _, ti := range f.Tensors {
				dims, ok := want[ti.Name]
				require.True(t, ok, "unexpected tensor %s", ti.Name)
				assert.Equal(t, dims, ti.Dims, ti.Name)
				wantType := tt.typ
				if len(dims) == 1 {
					wantType = quant.F32
				}
				assert.Equal(t, wantType, ti.Type, ti.Name)
			}
		})
	}
}

func checkMetadata(t *testing.T, f *gguf.File, fileType uint64) {
	t.Helper()
	assert.Equal(t, "llama", f.Arch())
	name, err := f.String("general.name")
	require.NoError(t, err)
	assert.NotEmpty(t, name)
	uints := map[string]uint64{
		"llama.context_length": 256, "llama.embedding_length": 64, "llama.block_count": 2,
		"llama.feed_forward_length": 96, "llama.rope.dimension_count": 16,
		"llama.attention.head_count": 4, "llama.attention.head_count_kv": 2,
		"general.file_type": fileType, "llama.vocab_size": 300,
	}
	for k, want := range uints {
		got, err := f.Uint(k)
		require.NoError(t, err, k)
		assert.Equal(t, want, got, k)
	}
	eps, err := f.Float("llama.attention.layer_norm_rms_epsilon")
	require.NoError(t, err)
	assert.InDelta(t, 1e-5, eps, 1e-9)
	base, err := f.Float("llama.rope.freq_base")
	require.NoError(t, err)
	assert.Equal(t, 10000.0, base)
}

// TestValueStatistics checks the distributions the doc promises: matrices
// N(0, 1/fan_in), norms 1 ± normNoise.
func TestValueStatistics(t *testing.T) {
	cfg := small(quant.F32)
	cfg.Dim, cfg.FFN, cfg.Vocab = 256, 512, 512
	f, err := gguf.Open(TempModel(t, cfg))
	require.NoError(t, err)
	defer f.Close()
	tests := []struct {
		name      string
		mean, std float64
	}{
		{"token_embd.weight", 0, 1 / 16.0},
		{"blk.1.attn_k.weight", 0, 1 / 16.0},
		{"blk.0.ffn_down.weight", 0, 1 / math.Sqrt(512)},
		{"blk.0.attn_norm.weight", 1, normNoise},
		{"output_norm.weight", 1, normNoise},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := f.TensorData(tt.name)
			require.NoError(t, err)
			x := make([]float32, len(raw)/4)
			require.NoError(t, quant.Dequantize(quant.F32, raw, x))
			mean, std := meanStd(x)
			assert.InDelta(t, tt.mean, mean, 4*tt.std/math.Sqrt(float64(len(x))))
			assert.InEpsilon(t, tt.std, std, 0.15)
		})
	}
}

func meanStd(x []float32) (mean, std float64) {
	for _, v := range x {
		mean += float64(v)
	}
	mean /= float64(len(x))
	for _, v := range x {
		std += (float64(v) - mean) * (float64(v) - mean)
	}
	return mean, math.Sqrt(std / float64(len(x)))
}

// TestStreamMatchesGGUFWrite checks the streamed file byte for byte against
// gguf.Write given every tensor at once.
func TestStreamMatchesGGUFWrite(t *testing.T) {
	for _, typ := range []quant.Type{quant.F32, quant.Q4_0} {
		cfg := small(typ)
		var got bytes.Buffer
		require.NoError(t, Write(&got, cfg))
		cfg, vocab, err := resolve(cfg)
		require.NoError(t, err)
		var tensors []gguf.WriteTensor
		for _, s := range cfg.plan() {
			data, _, err := s.encode(cfg.Seed, nil)
			require.NoError(t, err)
			tensors = append(tensors, gguf.WriteTensor{Name: s.name, Dims: s.dims, Type: s.typ, Data: data})
		}
		var want bytes.Buffer
		require.NoError(t, gguf.Write(&want, append(metadata(cfg), vocab...), tensors))
		assert.True(t, bytes.Equal(want.Bytes(), got.Bytes()), "%v: streamed file differs from gguf.Write", typ)
	}
}

func writeBytes(t *testing.T, cfg Config) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, Write(&b, cfg))
	return b.Bytes()
}

func TestSeed(t *testing.T) {
	cfg := small(quant.Q8_0)
	a, b := writeBytes(t, cfg), writeBytes(t, cfg)
	assert.True(t, bytes.Equal(a, b), "same seed, different bytes")
	cfg.Seed++
	c := writeBytes(t, cfg)
	require.Len(t, c, len(a), "the seed must not change the layout")
	assert.False(t, bytes.Equal(a, c), "different seeds, same bytes")
}

// TestTiedEmbeddings checks that each tensor's values depend on the seed and
// its own name only: tying embeddings drops output.weight but leaves
// token_embd.weight (and every other tensor) as it was.
func TestTiedEmbeddings(t *testing.T) {
	cfg := small(quant.Q8_0)
	untied, err := gguf.Open(TempModel(t, cfg))
	require.NoError(t, err)
	defer untied.Close()
	cfg.TiedEmbeddings = true
	tied, err := gguf.Open(TempModel(t, cfg))
	require.NoError(t, err)
	defer tied.Close()

	want := wantShapes(true)
	require.Len(t, tied.Tensors, len(want))
	_, ok := tied.Tensor("output.weight")
	assert.False(t, ok, "tied file has output.weight")
	for _, ti := range tied.Tensors {
		assert.Equal(t, want[ti.Name], ti.Dims, ti.Name)
		a, err := tied.TensorData(ti.Name)
		require.NoError(t, err)
		b, err := untied.TensorData(ti.Name)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(a, b), "%s differs between tied and untied", ti.Name)
	}
}

// failWriter fails once more than n bytes have been written.
type failWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	size := len(writeBytes(t, small(quant.F16)))
	for _, n := range []int{0, 100, size / 2, size - 1} {
		err := Write(&failWriter{n: n}, small(quant.F16))
		assert.ErrorIs(t, err, errDiskFull, "fail after %d bytes", n)
	}
	assert.NoError(t, Write(&failWriter{n: size}, small(quant.F16)))
	assert.NoError(t, Write(io.Discard, small(quant.F16)))
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"dim not divisible by heads", func(c *Config) { c.Heads = 5 }, "dim 64 is not divisible by heads 5"},
		{"heads not divisible by kv heads", func(c *Config) { c.KVHeads = 3 }, "heads 4 is not divisible by kv heads 3"},
		{"odd head dim", func(c *Config) { c.Dim, c.Heads = 60, 4; c.Type = quant.F32 }, "head dim 15"},
		{"zero layers", func(c *Config) { c.Layers = 0 }, "layers must be in 1..16777216, got 0"},
		{"negative ffn", func(c *Config) { c.FFN = -1 }, "ffn must be in 1..16777216, got -1"},
		{"ffn rows break q8_0 blocks", func(c *Config) { c.FFN = 172 },
			"blk.0.ffn_down.weight: row length 172 is not a multiple of the Q8_0 block size 32"},
		{"dim rows break q8_0 blocks", func(c *Config) { c.Dim, c.Heads, c.KVHeads = 48, 4, 2 },
			"token_embd.weight: row length 48 is not a multiple of the Q8_0 block size 32"},
		{"vocab below the byte tokens", func(c *Config) { c.Vocab = 200 }, "needs 259..16777216 tokens, got 200"},
		{"unsupported type", func(c *Config) { c.Type = quant.Q2_K }, "cannot write weights of type Q2_K"},
		{"absurd vocab", func(c *Config) { c.Vocab = 1 << 40 }, "got 1099511627776"},
		{"absurd dim", func(c *Config) { c.Dim = 1 << 40 }, "dim must be in 1..16777216"},
		{"missing vocab file", func(c *Config) { c.VocabFrom = "/nonexistent.gguf" }, "nonexistent.gguf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := small(quant.Q8_0)
			tt.edit(&cfg)
			err := Write(io.Discard, cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestOddShapesF32 checks that shapes no block type allows still work in F32,
// like stories260K (FFN 172, head dim 8).
func TestOddShapesF32(t *testing.T) {
	cfg := Config{Layers: 1, Dim: 64, FFN: 172, Heads: 8, KVHeads: 4, Vocab: 259}
	f, err := gguf.Open(TempModel(t, cfg))
	require.NoError(t, err)
	defer f.Close()
	ti, ok := f.Tensor("blk.0.ffn_down.weight")
	require.True(t, ok)
	assert.Equal(t, []uint64{172, 64}, ti.Dims)
	ctx, err := f.Uint("llama.context_length")
	require.NoError(t, err)
	assert.Equal(t, uint64(DefaultContext), ctx)
}

func TestParamCount(t *testing.T) {
	cfg := Config{Layers: 12, Dim: 768, FFN: 2048, Heads: 12, KVHeads: 4, Vocab: 512}
	perLayer := 2*768*768 + 2*768*256 + 3*768*2048 + 2*768
	assert.Equal(t, int64(12*perLayer+768+2*512*768), cfg.ParamCount())
	cfg.TiedEmbeddings = true
	assert.Equal(t, int64(12*perLayer+768+512*768), cfg.ParamCount())
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.gguf")
	require.NoError(t, WriteFile(path, small(quant.Q4_0)))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, writeBytes(t, small(quant.Q4_0)), got)

	bad := small(quant.Q4_0)
	bad.Heads = 5
	assert.Error(t, WriteFile(filepath.Join(dir, "bad.gguf"), bad))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "a failed write must leave no file behind")
	assert.Equal(t, "m.gguf", entries[0].Name())
}

func BenchmarkWrite(b *testing.B) {
	for _, typ := range []quant.Type{quant.Q8_0, quant.F16} {
		b.Run(typ.String(), func(b *testing.B) {
			cfg := Config{Layers: 12, Dim: 768, FFN: 2048, Heads: 12, KVHeads: 4, Vocab: 512, Type: typ}
			for b.Loop() {
				require.NoError(b, Write(io.Discard, cfg))
			}
			b.ReportMetric(float64(cfg.ParamCount())*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mparams/s")
		})
	}
}
