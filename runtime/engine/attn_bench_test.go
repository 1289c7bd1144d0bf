package engine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/cache/device"
	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/models/synth"
	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

// BenchmarkAttentionChoice measures where the prefill kernel overtakes the
// decode kernel: one step of one sequence's rows rows after ctx cached
// tokens, through each kernel, reporting the attention dispatches' GPU
// time per step and per layer (timestamps; int8 KV). The models are
// stories260K (head dim 8, group 2) and one layer of the synthetic 85M
// model's shape (12 heads of 64, group 3).
//
//	go test -run '^$' -bench AttentionChoice -benchtime 5x ./runtime/engine
//
// lavapipe, 2 cores shared with other jobs (load 1.7-2.0), -benchtime 10x,
// µs per layer-step, decode / prefill (the lanes layout), two runs each
// (noisy: ±30% between runs):
//
//	                rows:  1        2        4        8         16        64
//	stories260K ctx 0:  89/83    79/82    97/82    96/96     98/106   153/143
//	                    85/86    87/88    88/83    90/94     98/100   183/130
//	stories260K ctx 64: 85/140   48/65    53/51    62/106   122/102   247/179
//	                    95/98   102/128   95/104  105/104   135/101   269/173
//	synth85M    ctx 0:  238/132  436/120  641/131 1327/137  2175/144  8415/397
//	                    201/93   333/158  586/166 1002/117  1811/205  8377/461
//	synth85M    ctx 64: 572/148  677/140 1183/194 2120/147  4323/194 14831/580
//	                    428/131  696/141 1170/163 2438/149  4346/190 14760/604
//
// Prefill wins from one row on the 85M shape and from about 16 rows on
// stories260K (ties below). With the tiled prefill kernel (commit 6c50d6b,
// load 2.8-3.4) the 85M shape's 64 rows took 9718 µs (ctx 0) and 16964
// (ctx 64), more than decode.
func BenchmarkAttentionChoice(b *testing.B) {
	models := []struct {
		name string
		path func(b *testing.B) string
	}{
		{"stories260K", func(b *testing.B) string { return testenv.Model(b, "stories260K-f32.gguf") }},
		{"synth85M-1layer", func(b *testing.B) string {
			return synth.TempModel(b, synth.Config{Layers: 1, Dim: 768, Heads: 12, KVHeads: 4, FFN: 256, Vocab: 512,
				Context: 1024, Type: quant.Q8_0, Seed: 1})
		}},
	}
	for _, bm := range models {
		b.Run(bm.name, func(b *testing.B) {
			l, err := cpu.Open(bm.path(b))
			require.NoError(b, err)
			defer l.Close()
			for _, ctx := range []int{0, 64} {
				for _, rows := range []int{1, 2, 4, 8, 16, 32, 64} {
					for _, pre := range []bool{false, true} {
						name := fmt.Sprintf("ctx%d/rows%d/decode", ctx, rows)
						if pre {
							name = fmt.Sprintf("ctx%d/rows%d/prefill", ctx, rows)
						}
						b.Run(name, func(b *testing.B) { benchAttnChoice(b, l.Model, ctx, rows, pre) })
					}
				}
			}
		})
	}
}

func benchAttnChoice(b *testing.B, m *llama.Model, ctx, rows int, prefill bool) {
	dev := vktest.Device(b)
	opt := Options{KVType: cache.KVInt8, Profile: true, PrefillRows: -1, KV: device.Options{Blocks: 10}}
	if prefill {
		opt.PrefillRows = 1
	}
	e, err := New(dev, m, opt)
	require.NoError(b, err)
	defer e.Close()
	table := []cache.BlockID{1, 2, 3, 4, 5, 6, 7, 8}
	tokens := benchTokens(ctx+rows, m.Config.Vocab)
	if ctx > 0 { // fill the cache, then time the step
		_, err := e.Step(&llama.Batch{BlockSize: 16, Seqs: []llama.Seq{{Tokens: tokens[:ctx], Blocks: table}}})
		require.NoError(b, err)
	}
	step := &llama.Batch{BlockSize: 16, Seqs: []llama.Seq{{Tokens: tokens[ctx:], Start: ctx, Blocks: table, Logits: []int{rows - 1}}}}
	_, err = e.Step(step) // first use builds pipelines
	require.NoError(b, err)
	e.ResetProfile()
	for b.Loop() {
		_, err := e.Step(step)
		require.NoError(b, err)
	}
	prof, steps := e.Profile()
	var us float64
	for _, kt := range prof {
		if strings.HasPrefix(kt.Name, "attn_") {
			us += float64(kt.Time.Nanoseconds()) / 1e3
		}
	}
	b.ReportMetric(us/float64(steps*m.Config.Layers), "attn-us/layer")
}
