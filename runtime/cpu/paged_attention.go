package cpu

import (
	"fmt"
	"math"

	"github.com/vkllm/vkllm/cache"
)

// PagedKV gives the reference attention read access to one layer's K and V
// pools: K(id) and V(id) return the bytes of block id laid out as Layout.
type PagedKV struct {
	Layout cache.Layout
	K, V   func(id cache.BlockID) []byte
}

// PagedAttention is the reference of the GPU attention kernels for one
// query row: for every query head h of q ([heads][HeadDim], heads a
// multiple of Layout.KVHeads), dst_h = softmax(scale · q_h·k_t) · v_t over
// the positions t = 0..pos of the sequence whose block table is table,
// reading KV head h / (heads/KVHeads). Token t lives at slot t%B of block
// table[t/B]; Layout.Load widens f16 and dequantizes int8. Scores and the
// weighted sum accumulate in float64.
func PagedAttention(dst, q []float32, kv PagedKV, table []cache.BlockID, pos int, scale float64) {
	l := kv.Layout
	heads := len(q) / l.HeadDim
	if len(q)%l.HeadDim != 0 || heads%l.KVHeads != 0 || len(dst) != len(q) {
		panic(fmt.Sprintf("cpu: paged attention of %d query values into %d with layout %v", len(q), len(dst), l))
	}
	if pos < 0 || pos/l.BlockSize >= len(table) {
		panic(fmt.Sprintf("cpu: paged attention at position %d with %d blocks of %d", pos, len(table), l.BlockSize))
	}
	group := heads / l.KVHeads
	hd := l.HeadDim
	vec := make([]float32, hd)
	scores := make([]float64, pos+1)
	acc := make([]float64, hd)
	for h := range heads {
		attendHead(dst[h*hd:(h+1)*hd], q[h*hd:(h+1)*hd], kv, table, h/group, scale, vec, scores, acc)
	}
}

// attendHead is one query head of PagedAttention; vec, scores and acc are
// scratch of HeadDim, pos+1 and HeadDim values.
func attendHead(out, q []float32, kv PagedKV, table []cache.BlockID, kvh int, scale float64, vec []float32, scores, acc []float64) {
	l := kv.Layout
	m := math.Inf(-1)
	for t := range scores {
		l.Load(kv.K(table[t/l.BlockSize]), kvh, t%l.BlockSize, vec)
		var s float64
		for j, x := range vec {
			s += float64(q[j]) * float64(x)
		}
		scores[t] = s * scale
		m = max(m, scores[t])
	}
	var sum float64
	for t, s := range scores {
		scores[t] = math.Exp(s - m)
		sum += scores[t]
	}
	clear(acc)
	for t, p := range scores {
		l.Load(kv.V(table[t/l.BlockSize]), kvh, t%l.BlockSize, vec)
		for j, x := range vec {
			acc[j] += p * float64(x)
		}
	}
	for j := range out {
		out[j] = float32(acc[j] / sum)
	}
}
