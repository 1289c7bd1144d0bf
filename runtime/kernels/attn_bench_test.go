package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/runtime/vk"
)

// Benchmark shape: a llama-class layer, 32 query heads of 128 values, one
// sequence decoding one token.
const benchHeads, benchHeadDim = 32, 128

// BenchmarkAttention reports decode attention's GPU time (timestamps) for
// one generated token of one layer against the context length, the KV type
// and the GQA group, with the K/V bytes it must read and the rate it reads
// them at. The split count comes from Decode.Splits (the policy of the
// layout NewDecode picks: the texel layout on CPU devices); split runs
// include the reduce dispatch; the split1 runs force one item per KV
// head, to show what split-K buys.
func BenchmarkAttention(b *testing.B) {
	e := benchEnv(b)
	for _, t := range []cache.KVType{cache.KVInt8, cache.KVF16} {
		for _, g := range []int{1, 4, 8} {
			for _, ctx := range []int{256, 1024, 4096} {
				for _, auto := range []bool{true, false} {
					name := fmt.Sprintf("%v/group%d/ctx%d/split1", t, g, ctx)
					if auto {
						name = fmt.Sprintf("%v/group%d/ctx%d/auto", t, g, ctx)
					}
					b.Run(name, func(b *testing.B) { benchDecode(b, e, t, g, ctx, auto) })
				}
			}
		}
	}
}

func benchDecode(b *testing.B, e *env, t cache.KVType, group, ctx int, auto bool) {
	s := AttnShape{Layout: cache.Layout{Type: t, BlockSize: 16, KVHeads: benchHeads / group, HeadDim: benchHeadDim}, Heads: benchHeads}
	dec, err := NewDecode(e.dev, s, "")
	require.NoError(b, err)
	defer dec.Close()
	red, err := NewReduce(e.dev, s, "")
	require.NoError(b, err)
	defer red.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	kv := newPagedKV(rng, s.Layout, []int{ctx})
	width := benchHeads * benchHeadDim
	qb, out := e.floats(randFloats(rng, width, 1)), e.zeros(width)
	meta := e.buffer(i32Bytes(AttnMeta([]AttnRow{{Pos: ctx - 1, Table: kv.tables[0]}})))
	kb, vb := e.buffer(kv.k), e.buffer(kv.v)
	p := DecodePush{Rows: 1, QStride: uint32(width), OStride: uint32(width), Splits: dec.Splits(ctx, 1),
		Scale: float32(1 / math.Sqrt(benchHeadDim))}
	if !auto {
		p.Splits = 1
	}
	record := decodeRecording(e, dec, red, p, qb, kb, vb, meta, out)
	require.NoError(b, e.err)
	gpu, wall := timeDispatch(b, e, record)
	bytes := float64(2 * ctx * s.Layout.KVHeads * kvBytesPerVector(s.Layout))
	b.ReportMetric(bytes, "KVbytes/token")
	b.ReportMetric(bytes/gpu.Seconds()/1e9, "GB/s")
	b.ReportMetric(float64(gpu.Nanoseconds())/1e3, "gpu-us")
	b.ReportMetric(float64(wall.Nanoseconds())/1e3, "wall-us")
	b.ReportMetric(float64(p.Splits), "splits")
}

// BenchmarkAttentionRows reports decode attention's GPU time for one layer
// of stories260K (8 query heads over 4 KV heads of 8 values, int8 KV) at
// 1, 4 and 16 concurrent sequences of 64 tokens, in the tiled and the
// lanes layout, each with its own split policy: the batching the
// scheduler does at `vkllm bench --concurrency 1,4,16`.
func BenchmarkAttentionRows(b *testing.B) {
	e := benchEnv(b)
	s := AttnShape{Layout: cache.Layout{Type: cache.KVInt8, BlockSize: 16, KVHeads: 4, HeadDim: 8}, Heads: 8}
	for _, variant := range []string{"attn_decode_int8", "attn_decode_int8_lanes"} {
		for _, rows := range []int{1, 4, 16} {
			b.Run(fmt.Sprintf("%s/rows%d", variant, rows), func(b *testing.B) { benchDecodeRows(b, e, s, variant, rows, 64) })
		}
	}
}

func benchDecodeRows(b *testing.B, e *env, s AttnShape, variant string, rows, ctx int) {
	dec, err := NewDecode(e.dev, s, variant)
	require.NoError(b, err)
	defer dec.Close()
	red, err := NewReduce(e.dev, s, "")
	require.NoError(b, err)
	defer red.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	ctxs := make([]int, rows)
	for i := range ctxs {
		ctxs[i] = ctx
	}
	kv := newPagedKV(rng, s.Layout, ctxs)
	width := s.Heads * s.Layout.HeadDim
	qb, out := e.floats(randFloats(rng, rows*width, 1)), e.zeros(rows*width)
	ar := make([]AttnRow, rows)
	for i := range ar {
		ar[i] = AttnRow{Pos: ctx - 1, Table: kv.tables[i]}
	}
	meta := e.buffer(i32Bytes(AttnMeta(ar)))
	p := DecodePush{Rows: uint32(rows), QStride: uint32(width), OStride: uint32(width), Splits: dec.Splits(ctx, rows),
		Scale: float32(1 / math.Sqrt(float64(s.Layout.HeadDim)))}
	record := decodeRecording(e, dec, red, p, qb, e.buffer(kv.k), e.buffer(kv.v), meta, out)
	require.NoError(b, e.err)
	gpu, _ := timeDispatch(b, e, record)
	b.ReportMetric(float64(gpu.Nanoseconds())/1e3, "gpu-us")
	b.ReportMetric(float64(gpu.Nanoseconds())/1e3/float64(rows), "gpu-us/row")
	b.ReportMetric(float64(p.Splits), "splits")
}

// BenchmarkPrefill reports prefill attention's GPU time (timestamps) for
// one layer and a chunk of rows rows of one sequence after ctx cached
// tokens, in each variant, with the rate of its causal work: 4·HeadDim
// flops (q·k and p·v) per attended (row, query head, token).
//
//	go test -run '^$' -bench Prefill -benchtime 10x ./runtime/kernels
func BenchmarkPrefill(b *testing.B) {
	e := benchEnv(b)
	shapes := []struct {
		name                    string
		heads, kvHeads, headDim int
	}{
		{"synth85M", 12, 4, 64},  // the 85M synthetic model: group 3
		{"stories260K", 8, 4, 8}, // head dim 8
		{"llama8B", 32, 8, 128},  // group 4, head dim 128
	}
	for _, sh := range shapes {
		s := AttnShape{Layout: cache.Layout{Type: cache.KVInt8, BlockSize: 16, KVHeads: sh.kvHeads, HeadDim: sh.headDim},
			Heads: sh.heads}
		names, err := Variants(attnKernel("attn_prefill", cache.KVInt8), FeaturesOf(e.dev.Features()))
		require.NoError(b, err)
		for _, v := range names {
			for _, ctx := range []int{0, 64} {
				b.Run(fmt.Sprintf("%s/%s/ctx%d/rows64", sh.name, v, ctx), func(b *testing.B) { benchPrefill(b, e, s, v, ctx, 64) })
			}
		}
	}
}

func benchPrefill(b *testing.B, e *env, s AttnShape, variant string, ctx, rows int) {
	k, err := NewPrefill(e.dev, s, variant)
	require.NoError(b, err)
	defer k.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	kv := newPagedKV(rng, s.Layout, []int{ctx + rows})
	width := s.Heads * s.Layout.HeadDim
	ar := make([]AttnRow, rows)
	flops := 0.0
	for i := range ar {
		ar[i] = AttnRow{Pos: ctx + i, Table: kv.tables[0]}
		flops += float64(4 * (ctx + i + 1) * width)
	}
	q, out := e.floats(randFloats(rng, rows*width, 1)), e.zeros(rows*width)
	set := e.set(k.program, q, e.buffer(kv.k), e.buffer(kv.v), e.buffer(i32Bytes(AttnMeta(ar))), out)
	p := PrefillPush{Rows: uint32(rows), QStride: uint32(width), OStride: uint32(width),
		Scale: float32(1 / math.Sqrt(float64(s.Layout.HeadDim)))}
	require.NoError(b, e.err)
	gpu, _ := timeDispatch(b, e, func(c *vk.Commands) error { return k.Record(c, set, p) })
	b.ReportMetric(float64(gpu.Nanoseconds())/1e3, "gpu-us")
	b.ReportMetric(flops/gpu.Seconds()/1e9, "GFLOP/s")
}
