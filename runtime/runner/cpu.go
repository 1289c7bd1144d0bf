package runner

import (
	"fmt"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/models/tokenizer"
	"github.com/vkllm/vkllm/runtime/cpu"
)

// CPUOptions configures NewCPU: the runner's bounds and the host KV cache.
type CPUOptions struct {
	Options
	KVType    cache.KVType
	BlockSize int // tokens per KV block; 0 means cpu.DefaultBlockSize
	// NumBlocks is the KV pool's block count, the null block included; 0
	// means enough for MaxSeqs sequences of the full context.
	NumBlocks int
	Backend   cpu.BackendOptions
}

// NewCPU starts a runner on the CPU backend with a host KV pool of
// opt.NumBlocks blocks.
func NewCPU(m *llama.Model, tok *tokenizer.Tokenizer, opt CPUOptions) (*Runner, error) {
	ro := opt.Options.withDefaults(m)
	bs := opt.BlockSize
	if bs <= 0 {
		bs = cpu.DefaultBlockSize
	}
	n := opt.NumBlocks
	if n <= 0 {
		n = ro.MaxSeqs*((ro.Context+bs-1)/bs) + 1
	}
	layout := cache.Layout{Type: opt.KVType, BlockSize: bs, KVHeads: m.Config.KVHeads, HeadDim: m.Config.HeadDim}
	if err := layout.Validate(); err != nil {
		return nil, fmt.Errorf("runner: %w", err)
	}
	pool, err := cache.NewBlockPool(n, bs)
	if err != nil {
		return nil, fmt.Errorf("runner: %w", err)
	}
	kv, err := cache.NewHostPool(m.Config.Layers, layout, n)
	if err != nil {
		return nil, fmt.Errorf("runner: %w", err)
	}
	be, err := cpu.NewBackend(m, kv, opt.Backend)
	if err != nil {
		return nil, fmt.Errorf("runner: %w", err)
	}
	return New(m, NewStepper(m, be), pool, tok, ro)
}
