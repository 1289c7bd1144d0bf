package vkllm_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm"
	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/runtime/vk"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

func open(t *testing.T, opt vkllm.Options) *vkllm.Engine {
	t.Helper()
	e, err := vkllm.Open(testenv.Model(t, "stories260K-f32.gguf"), opt)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, e.Close()) })
	return e
}

// generate collects a request's token ids.
func generate(e *vkllm.Engine, req vkllm.Request) ([]int32, error) {
	var ids []int32
	for tok, err := range e.Generate(context.Background(), req) {
		if err != nil {
			return ids, err
		}
		if tok.ID >= 0 {
			ids = append(ids, tok.ID)
		}
	}
	return ids, nil
}

// TestConcurrentMatchesAlone generates several requests alone, then all at
// once from separate goroutines through one engine, and requires the same
// tokens: batching must not change any sequence's output.
func TestConcurrentMatchesAlone(t *testing.T) {
	reqs := []vkllm.Request{
		{Prompt: "Once upon a time", MaxTokens: 40},
		{Prompt: "Lily and Tom", MaxTokens: 30},
		{Prompt: "Once upon a time", MaxTokens: 35, Temperature: 0.8, TopP: 0.9, Seed: 7},
		{Prompt: "The dog", MaxTokens: 25, Temperature: 1, TopK: 20, Seed: 3},
	}
	for _, dev := range devices(t) {
		t.Run(dev.name, func(t *testing.T) {
			e := open(t, dev.opt)
			alone := make([][]int32, len(reqs))
			for i, r := range reqs {
				ids, err := generate(e, r)
				require.NoError(t, err)
				require.NotEmpty(t, ids)
				alone[i] = ids
			}
			together := make([][]int32, len(reqs))
			errs := make([]error, len(reqs))
			var wg sync.WaitGroup
			for i, r := range reqs {
				wg.Go(func() { together[i], errs[i] = generate(e, r) })
			}
			wg.Wait()
			for i := range reqs {
				require.NoError(t, errs[i])
				assert.Equal(t, alone[i], together[i], "request %d", i)
			}
			st := e.Stats()
			assert.Zero(t, st.BlocksInUse)
			assert.Equal(t, int64(2*len(reqs)), st.Completed)
		})
	}
}

type deviceCase struct {
	name string
	opt  vkllm.Options
}

// devices is the CPU path and, when the machine has one, the Vulkan
// device vktest would choose, with an fp32 KV cache so both agree exactly.
func devices(t *testing.T) []deviceCase {
	cases := []deviceCase{{"cpu", vkllm.Options{MaxSeqs: 4}}}
	if testing.Short() {
		return cases
	}
	return append(cases, deviceCase{"vulkan", vkllm.Options{Device: "vulkan", KVType: "f32", MaxSeqs: 4}})
}

// TestSharedDevice runs the engine on a device that the test opened
// (raw handles through Options.External); after Close the device must
// still be usable and hold nothing of vkllm's.
func TestSharedDevice(t *testing.T) {
	dev := vktest.Device(t)
	x := dev.External()
	x.Options.NoPipelineCache = true
	e, err := vkllm.Open(testenv.Model(t, "stories260K-f32.gguf"), vkllm.Options{External: &x, KVType: "f32", MaxSeqs: 2})
	require.NoError(t, err)
	assert.Equal(t, dev.Physical().Name, e.Info().Device)
	cpu := open(t, vkllm.Options{})
	req := vkllm.Request{Prompt: "Once upon a time", MaxTokens: 20}
	got, err := generate(e, req)
	require.NoError(t, err)
	want, err := generate(cpu, req)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	require.NoError(t, e.Close())
	assert.Zero(t, dev.Stats().LiveObjects)
	b, err := dev.NewBuffer(256, vk.HostVisible)
	require.NoError(t, err, "the application's device outlives the engine")
	b.Close()
}

func TestGenerateEnds(t *testing.T) {
	e := open(t, vkllm.Options{MaxSeqs: 2})
	t.Run("break cancels", func(t *testing.T) {
		n := 0
		for range e.Generate(context.Background(), vkllm.Request{Prompt: "Once", MaxTokens: 100}) {
			if n++; n == 3 {
				break
			}
		}
		assert.Equal(t, 3, n)
	})
	t.Run("context cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var err error
		n := 0
		for _, e2 := range e.Generate(ctx, vkllm.Request{Prompt: "Once", MaxTokens: 100}) {
			if err = e2; err != nil {
				break
			}
			if n++; n == 2 {
				cancel()
			}
		}
		assert.ErrorIs(t, err, context.Canceled)
	})
	t.Run("prompt over the context", func(t *testing.T) {
		long := make([]int32, 600)
		for i := range long {
			long[i] = 100
		}
		_, err := generate(e, vkllm.Request{Tokens: long})
		require.Error(t, err)
	})
	t.Run("bad sampling", func(t *testing.T) {
		_, err := generate(e, vkllm.Request{Prompt: "x", TopP: 2})
		require.Error(t, err)
	})
	t.Run("closed", func(t *testing.T) {
		e2 := open(t, vkllm.Options{})
		require.NoError(t, e2.Close())
		require.NoError(t, e2.Close())
		_, err := generate(e2, vkllm.Request{Prompt: "x"})
		assert.True(t, errors.Is(err, vkllm.ErrClosed), "%v", err)
	})
	assert.Eventually(t, func() bool { return e.Stats().BlocksInUse == 0 }, 5e9, 1e7)
}

func TestStatsBlocks(t *testing.T) {
	// Tokens are streamed without back-pressure, so the loop may finish the
	// whole generation before the reader reaches token 40; try fresh engines
	// until the mid-generation snapshot catches the sequence running.
	var e *vkllm.Engine
	var mid vkllm.Stats
	for try := 0; try < 20 && len(mid.Sequences) == 0; try++ {
		e = open(t, vkllm.Options{ContextLength: 128, MaxSeqs: 2})
		mid = statsAt(t, e, 40)
	}
	require.Len(t, mid.Sequences, 1)
	seq := mid.Sequences[0]
	assert.Equal(t, 1, seq.Seq)
	assert.GreaterOrEqual(t, seq.Blocks, 3) // 5 prompt + ~39 generated tokens, 16 per block
	owned := 0
	for _, o := range mid.Blocks {
		if o == vkllm.BlockOwner(seq.Seq) {
			owned++
		}
	}
	assert.Equal(t, seq.Blocks, owned)
	assert.Len(t, mid.Blocks, mid.BlocksTotal)

	end := e.Stats()
	assert.Empty(t, end.Sequences)
	cached := 0
	for _, o := range end.Blocks {
		assert.LessOrEqual(t, o, vkllm.BlockFree)
		if o == vkllm.BlockCached {
			cached++
		}
	}
	assert.Positive(t, cached, "the finished sequence's full blocks stay in the prefix cache")
}

func TestOptionsErrors(t *testing.T) {
	path := testenv.Model(t, "stories260K-f32.gguf")
	for _, opt := range []vkllm.Options{
		{KVType: "q4"},
		{ContextLength: 1 << 20},
		{Device: "cpu", External: &vk0},
	} {
		_, err := vkllm.Open(path, opt)
		assert.Error(t, err, "%+v", opt)
	}
	_, err := vkllm.Open("/nonexistent.gguf", vkllm.Options{})
	assert.Error(t, err)
}

var vk0 = vk.External{Instance: 1, PhysicalDevice: 1, Device: 1}

// statsAt generates 60 tokens and returns the Stats taken when the n-th
// token arrived.
func statsAt(t *testing.T, e *vkllm.Engine, n int) vkllm.Stats {
	var st vkllm.Stats
	i := 0
	for _, err := range e.Generate(context.Background(), vkllm.Request{Prompt: "Once upon a time", MaxTokens: 60}) {
		require.NoError(t, err)
		if i++; i == n {
			st = e.Stats()
		}
	}
	return st
}
