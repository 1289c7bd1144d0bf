package engine

import (
	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/runtime/vk"
)

// attnKernels are the KV-store and attention kernels.
type attnKernels struct{}

func (a *attnKernels) build(dev *vk.Device, m *llama.Model) error { return nil }
func (a *attnKernels) close()                                     {}

// StoreKV writes the step's K and V rows into the layer's pools.
func (e *Engine) StoreKV(layer int, k, v Act) {
	e.fail(errNoAttention)
}

// Attention runs paged grouped-query attention of q over each row's sequence.
func (e *Engine) Attention(layer int, q Act, s llama.AttnSpec) Act {
	e.fail(errNoAttention)
	return e.alloc(q.rows, s.Heads*s.HeadDim)
}
