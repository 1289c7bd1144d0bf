package kernels

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/runtime/vk"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

// TestAttnMeta checks the header (pos, table offset) and that a table
// shared by several rows is stored once while equal contents in distinct
// slices are not merged.
func TestAttnMeta(t *testing.T) {
	a := []cache.BlockID{7, 3}
	b := []cache.BlockID{7, 3}
	got := AttnMeta([]AttnRow{{Pos: 20, Table: a}, {Pos: 21, Table: a}, {Pos: 0, Table: b}})
	assert.Equal(t, []int32{20, 6, 21, 6, 0, 8, 7, 3, 7, 3}, got)
	assert.Empty(t, AttnMeta(nil))
}

func TestDecodeSplits(t *testing.T) {
	tests := []struct {
		ctx, rows, kvHeads int
		want               uint32
	}{
		{1, 1, 8, 1},       // one token: nothing to split
		{64, 1, 8, 1},      // one tile
		{1024, 1, 8, 16},   // long context, few workgroups
		{4096, 1, 4, 64},   // capped by the target
		{4096, 1, 1, 64},   // capped by maxSplits
		{4096, 64, 8, 1},   // the rows fill the device
		{300, 2, 4, 5},     // ceil(300/64)
		{100000, 1, 1, 64}, // never above maxSplits
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, DecodeSplits(tt.ctx, tt.rows, tt.kvHeads), "%+v", tt)
	}
}

func TestTxSplits(t *testing.T) {
	tests := []struct {
		ctx, rows, kvHeads int
		want               uint32
	}{
		{1024, 1, 8, 1},   // the kernel report's shape: one chunk
		{4096, 1, 8, 2},   // 16 items
		{4096, 1, 1, 2},   // chunks of txMinTokens
		{32768, 1, 1, 16}, // capped by the target
		{32768, 4, 4, 1},  // the rows fill the threads
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, fewSplits(tt.ctx, tt.rows, tt.kvHeads, txTargetItems, txMinTokens), "%+v", tt)
	}
}

func TestLanesSplits(t *testing.T) {
	tests := []struct {
		ctx, rows, kvHeads int
		want               uint32
	}{
		{1, 1, 4, 1},       // one token
		{512, 1, 4, 1},     // stories260K's whole context: one chunk
		{4096, 1, 4, 4},    // chunks of lanesMinTokens
		{4096, 16, 4, 4},   // 64 items, still below the target
		{4096, 64, 8, 1},   // the rows fill the device
		{100000, 1, 1, 64}, // never above maxSplits
		{100000, 16, 4, 4}, // capped by the target
		{2047, 1, 1, 1},    // a chunk below lanesMinTokens is not worth a merge
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, fewSplits(tt.ctx, tt.rows, tt.kvHeads, splitTargetGroups, lanesMinTokens), "%+v", tt)
	}
}

// TestDecodeLayout checks NewDecode picks the lanes layout by head dim,
// refuses it above lanesMaxHeadDim, picks the texel layout on CPU devices
// where it fits and refuses it where vectors are not whole texels, and
// that Splits follows the layout.
func TestDecodeLayout(t *testing.T) {
	dev := vktest.Device(t)
	tests := []struct {
		dim     int
		variant string
		want    string // "": the tiled kernel's preferred variant
		splits  uint32 // Splits(1024, 1); 0: NewDecode fails
	}{
		{8, "", "attn_decode_int8_lanes", 1},
		{16, "", "attn_decode_int8_lanes", 1},
		{8, "attn_decode_int8", "attn_decode_int8", 16},
		{64, "", "", 16},
		{64, "attn_decode_int8_lanes", "", 0},
		{64, "attn_decode_int8_tx", "attn_decode_int8_tx", 1},
		{8, "attn_decode_int8_tx", "", 0}, // 8-byte vectors: not whole texels
	}
	for _, tt := range tests {
		s := AttnShape{Layout: cache.Layout{Type: cache.KVInt8, BlockSize: 16, KVHeads: 4, HeadDim: tt.dim}, Heads: 8}
		tx := txFits(dev, s) && dev.Features().TexelBuffer
		if strings.HasSuffix(tt.variant, "_tx") && tt.splits != 0 && !tx {
			continue // the device lacks shuffles or texel views
		}
		if tt.variant == "" && tt.want == "" && tx && dev.Physical().Type == vk.TypeCPU && texelViewsCover(dev) {
			tt.want, tt.splits = "attn_decode_int8_tx", 1
		}
		k, err := NewDecode(dev, s, tt.variant)
		if tt.splits == 0 {
			assert.ErrorIs(t, err, vk.ErrUnsupported, "%+v", tt)
			continue
		}
		require.NoError(t, err, "%+v", tt)
		if tt.want != "" {
			assert.Equal(t, tt.want, k.Variant(), "%+v", tt)
		} else {
			assert.NotContains(t, k.Variant(), "_lanes", "%+v", tt)
		}
		assert.Equal(t, tt.splits, k.Splits(1024, 1), "%+v", tt)
		k.Close()
	}
}

// TestPrefillTiles checks the tiling fits the shared-memory budget and the
// accumulator cap, and that an impossible shape is refused.
func TestPrefillTiles(t *testing.T) {
	for _, tc := range []struct {
		heads, kv, dim int
		limit          uint32
	}{{8, 4, 64, 32768}, {32, 8, 128, 32768}, {32, 8, 128, 16384}, {8, 1, 256, 16384}, {8, 4, 8, 32768}} {
		s := AttnShape{Layout: cache.Layout{Type: cache.KVF16, BlockSize: 16, KVHeads: tc.kv, HeadDim: tc.dim}, Heads: tc.heads}
		q, kt, err := prefillTiles(tc.limit, s, 64)
		require.NoError(t, err, "%+v", tc)
		assert.LessOrEqual(t, prefillShared(q*s.Group(), q, kt, tc.dim), int(tc.limit), "%+v", tc)
		assert.LessOrEqual(t, q*s.Group()*tc.dim/4, prefillMaxAccVec4*64, "%+v", tc)
		assert.GreaterOrEqual(t, q, 1)
	}
	s := AttnShape{Layout: cache.Layout{Type: cache.KVF32, BlockSize: 16, KVHeads: 1, HeadDim: 1024}, Heads: 64}
	_, _, err := prefillTiles(16384, s, 64)
	assert.Error(t, err)
}

// TestPrefillCPUVariant checks the default prefill variant on CPU devices:
// the lanes layout where shuffles and texel views exist, else the tiled
// kernel, which a caller may also force.
func TestPrefillCPUVariant(t *testing.T) {
	s := AttnShape{Layout: cache.Layout{Type: cache.KVInt8, BlockSize: 16, KVHeads: 4, HeadDim: 64}, Heads: 12}
	tests := []struct {
		name    string
		off     vk.Features
		variant string
		want    string
	}{
		{"default", vk.Features{}, "", "attn_prefill_int8_lanes_tx"},
		{"forced tiled", vk.Features{}, "attn_prefill_int8", "attn_prefill_int8"},
		{"texels off", vk.Features{TexelBuffer: true}, "", "attn_prefill_int8"},
		{"shuffles off", vk.Features{SubgroupShuffle: true}, "", "attn_prefill_int8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dev := cpuTexelDevice(t, tt.off)
			k, err := NewPrefill(dev, s, tt.variant)
			require.NoError(t, err)
			defer k.Close()
			assert.Equal(t, tt.want, k.Variant())
		})
	}
}

// TestPrefillLanesRecord checks the lanes layout refuses query rows that
// do not start on a texel.
func TestPrefillLanesRecord(t *testing.T) {
	dev := vktest.Device(t)
	s := AttnShape{Layout: cache.Layout{Type: cache.KVF32, BlockSize: 16, KVHeads: 1, HeadDim: 8}, Heads: 1}
	if f := dev.Features(); !f.TexelBuffer || !f.SubgroupShuffle {
		t.Skip("needs subgroup shuffles and texel buffers")
	}
	k, err := NewPrefill(dev, s, "attn_prefill_f32_lanes_tx")
	require.NoError(t, err)
	defer k.Close()
	err = k.Record(nil, nil, PrefillPush{Rows: 2, QStride: 10, OStride: 8})
	assert.ErrorContains(t, err, "strides q 10")
}

func TestLanesHeads(t *testing.T) {
	tests := []struct {
		heads, kvHeads, dim, want int
	}{
		{12, 4, 64, 3},  // the 85M model: the whole group
		{32, 8, 128, 2}, // group 4 over the cap: its largest divisor that fits
		{12, 4, 128, 1}, // group 3 over the cap, no divisor fits
		{8, 1, 64, 4},   // MQA
		{8, 8, 128, 1},  // MHA
		{8, 4, 8, 2},    // stories260K
		{4, 4, 512, 1},  // one head over the cap: still one
	}
	for _, tt := range tests {
		s := AttnShape{Layout: cache.Layout{Type: cache.KVInt8, BlockSize: 16, KVHeads: tt.kvHeads, HeadDim: tt.dim}, Heads: tt.heads}
		assert.Equal(t, tt.want, lanesHeads(s), "%+v", tt)
	}
}

func TestAttnShapeCheck(t *testing.T) {
	l := cache.Layout{Type: cache.KVInt8, BlockSize: 16, KVHeads: 4, HeadDim: 64}
	assert.NoError(t, AttnShape{Layout: l, Heads: 8}.check())
	assert.Error(t, AttnShape{Layout: l, Heads: 6}.check(), "heads not a multiple of KV heads")
	l.HeadDim = 6
	assert.Error(t, AttnShape{Layout: l, Heads: 8}.check(), "head dim not a multiple of 4")
}
