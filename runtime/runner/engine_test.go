package runner

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/cache/device"
	"github.com/vkllm/vkllm/runtime/engine"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

func (f fixture) newEngine(t *testing.T, ro Options, kv device.Options) *OnDevice {
	t.Helper()
	vktest.Instance(t) // skips without Vulkan
	od, err := NewEngine(f.l.Model, f.tok, EngineOptions{Options: ro, Device: os.Getenv("VKLLM_DEVICE"), Validation: true,
		Engine: engine.Options{KVType: cache.KVF32, KV: kv}})
	require.NoError(t, err)
	t.Cleanup(func() {
		inst := od.Vulkan.Instance
		before := inst.ValidationErrors()
		od.Close()
		assert.Zero(t, inst.ValidationErrors()-before, "validation messages: %q", inst.ValidationMessages())
	})
	return od
}

// TestNewEngine: concurrent greedy requests on the device engine give the
// CPU oracle's tokens, and the pool holds MaxSeqs full contexts.
func TestNewEngine(t *testing.T) {
	f := load(t)
	od := f.newEngine(t, Options{MaxSeqs: 4, Context: 128}, device.Options{})
	assert.Equal(t, 4*128/16+1, od.Vulkan.Engine.NumBlocks())
	assert.Equal(t, 0, od.Vulkan.Instance.ValidationErrors())
	reqs := f.requests(6)
	got := make([][]int32, len(reqs))
	var wg sync.WaitGroup
	for i, req := range reqs {
		s, err := od.Submit(context.Background(), req)
		require.NoError(t, err)
		wg.Go(func() {
			for ev := range s.Tokens() {
				got[i] = append(got[i], ev.Token)
			}
		})
	}
	wg.Wait()
	for i, req := range reqs {
		assert.Equal(t, f.alone(t, req), got[i], "request %d", i)
	}
	require.NoError(t, od.CheckInvariants())
	st := od.Stats()
	assert.Equal(t, st.TotalBlocks, st.FreeBlocks, "blocks leaked")
}

// TestPoolBounds: a byte budget is used whole (not capped at one context
// as engine.Open caps a free-memory pool); a block count is exact.
func TestPoolBounds(t *testing.T) {
	ro := Options{MaxSeqs: 3, Context: 100}
	tests := []struct {
		name string
		in   device.Options
		want device.Options
	}{
		{"free memory", device.Options{}, device.Options{MaxBlocks: 3*7 + 1}},
		{"bytes", device.Options{Bytes: 1 << 30}, device.Options{Bytes: 1 << 30, MaxBlocks: 1<<31 - 1}},
		{"blocks", device.Options{Blocks: 9}, device.Options{Blocks: 9}},
		{"explicit cap", device.Options{MaxBlocks: 5}, device.Options{MaxBlocks: 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, poolBounds(tt.in, ro, 16))
		})
	}
	if testing.Short() {
		return
	}
	f := load(t)
	l := cache.Layout{Type: cache.KVF32, BlockSize: 16, KVHeads: f.l.Model.Config.KVHeads, HeadDim: f.l.Model.Config.HeadDim}
	budget := uint64(40 * 2 * f.l.Model.Config.Layers * l.BlockBytes())
	od := f.newEngine(t, Options{MaxSeqs: 1, Context: 64}, device.Options{Bytes: budget})
	assert.Equal(t, 40, od.Vulkan.Engine.NumBlocks(), "a 40-block budget with a 5-block context")
}
