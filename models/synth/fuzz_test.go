package synth

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/models/gguf"
	"github.com/vkllm/vkllm/models/quant"
)

// FuzzWrite checks that any small shape either fails validation or gives a
// file that reads back with one token_embd row per token and every tensor's
// bytes where the header says.
func FuzzWrite(f *testing.F) {
	f.Add(2, 64, 96, 4, 2, 300, uint32(quant.Q8_0), uint64(1), false)
	f.Add(1, 64, 172, 8, 4, 259, uint32(quant.F32), uint64(2), true)
	f.Add(1, 48, 64, 4, 3, 0, uint32(quant.Q4_0), uint64(3), false)
	f.Fuzz(func(t *testing.T, layers, dim, ffn, heads, kvHeads, vocab int, typ uint32, seed uint64, tied bool) {
		for _, v := range []int{layers, dim, ffn, heads, kvHeads} {
			if v > 256 {
				t.Skip("keep fuzzed models small")
			}
		}
		if vocab > 2000 {
			t.Skip("keep fuzzed models small")
		}
		cfg := Config{Layers: layers % 4, Dim: dim, FFN: ffn, Heads: heads, KVHeads: kvHeads, Vocab: vocab,
			Type: quant.Type(typ), Seed: seed, TiedEmbeddings: tied}
		var b bytes.Buffer
		if err := Write(&b, cfg); err != nil {
			return
		}
		r, err := Resolve(cfg)
		require.NoError(t, err, "Write succeeded, Resolve must too")
		file, err := gguf.Read(bytes.NewReader(b.Bytes()), int64(b.Len()))
		require.NoError(t, err)
		emb, ok := file.Tensor("token_embd.weight")
		require.True(t, ok)
		assert.Equal(t, []uint64{uint64(r.Dim), uint64(r.Vocab)}, emb.Dims)
		wantTensors := 9*r.Layers + 3
		if tied {
			wantTensors--
		}
		assert.Len(t, file.Tensors, wantTensors)
		for _, ti := range file.Tensors {
			_, err := file.TensorData(ti.Name)
			assert.NoError(t, err, ti.Name)
		}
	})
}
