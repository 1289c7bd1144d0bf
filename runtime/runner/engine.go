package runner

import (
	"fmt"
	"math"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/cache/device"
	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/models/tokenizer"
	"github.com/vkllm/vkllm/runtime/engine"
)

// EngineOptions configures NewEngine: the runner's bounds, the Vulkan
// device and the engine (KV type, pool size, block size, profiling).
type EngineOptions struct {
	Options
	Device     string // vk.SelectDevice spec; "" picks the default device
	Validation bool   // Khronos validation layer, when installed
	// Engine.KV sizes the pool: a block count, a byte budget (used whole:
	// it is the caller's explicit ask), or, when neither is set, MaxSeqs
	// full contexts within the default fraction of free device memory.
	Engine engine.Options
	// Wrap, when set, wraps the engine's Stepper (to observe or time the
	// steps, as vkllm bench does).
	Wrap func(Stepper) Stepper
}

// OnDevice is a Runner whose Stepper is the Vulkan engine. Close stops the
// runner, then frees the engine, the device and the instance.
type OnDevice struct {
	*Runner
	Vulkan *engine.Runner // the instance, device and engine the runner steps on
}

// NewEngine opens a Vulkan device (engine.Open, the device choice `vkllm
// run` makes), uploads m and starts a runner over a block pool of the
// engine's KV blocks. tok may be nil, as for New. Steps hold at most the
// engine's MaxRows token rows.
func NewEngine(m *llama.Model, tok *tokenizer.Tokenizer, opt EngineOptions) (*OnDevice, error) {
	ro := opt.Options.withDefaults(m)
	if ro.Context > m.Config.Context {
		return nil, fmt.Errorf("runner: context %d exceeds the model's %d", ro.Context, m.Config.Context)
	}
	eo := opt.Engine
	if eo.BlockSize <= 0 {
		eo.BlockSize = engine.DefaultBlockSize
	}
	eo.KV = poolBounds(eo.KV, ro, eo.BlockSize)
	er, err := engine.Open(m, engine.RunnerOptions{Device: opt.Device, Validation: opt.Validation, Context: ro.Context, Engine: eo})
	if err != nil {
		return nil, err
	}
	pool, err := cache.NewBlockPool(er.Engine.NumBlocks(), eo.BlockSize)
	if err != nil {
		er.Close()
		return nil, fmt.Errorf("runner: %w", err)
	}
	ro.MaxBatchTokens = min(ro.MaxBatchTokens, er.Engine.MaxRows())
	var step Stepper = er.Engine
	if opt.Wrap != nil {
		step = opt.Wrap(step)
	}
	r, err := New(m, step, pool, tok, ro)
	if err != nil {
		er.Close()
		return nil, err
	}
	return &OnDevice{Runner: r, Vulkan: er}, nil
}

// poolBounds caps a pool sized by free memory at what MaxSeqs full
// contexts can use, and lifts engine.Open's one-context cap from an
// explicit byte budget.
func poolBounds(kv device.Options, ro Options, blockSize int) device.Options {
	switch {
	case kv.MaxBlocks != 0 || kv.Blocks != 0:
	case kv.Bytes != 0:
		kv.MaxBlocks = math.MaxInt32
	default:
		kv.MaxBlocks = ro.MaxSeqs*((ro.Context+blockSize-1)/blockSize) + 1
	}
	return kv
}

// Close stops the runner (ending unfinished requests) and then frees the
// device. Idempotent.
func (d *OnDevice) Close() error {
	err := d.Runner.Close()
	d.Vulkan.Close()
	return err
}
