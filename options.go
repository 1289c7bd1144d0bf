package vkllm

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/runtime/engine"
	"github.com/vkllm/vkllm/runtime/vk"
)

// Options configure Open. The zero value runs on the CPU with an fp32 KV
// cache, the model's context and up to DefaultMaxSeqs sequences at once.
type Options struct {
	// Device chooses where the model runs: "cpu" (the pure-Go path),
	// "vulkan" (the default Vulkan device, VKLLM_DEVICE honoured), or a
	// Vulkan device spec: an index, a type ("discrete", "integrated") or a
	// name substring ("llvmpipe" for lavapipe; "cpu" always means the Go
	// path here).
	// "" means "cpu", or "vulkan" when External is set.
	Device string
	// External runs vkllm on the application's own Vulkan device (raw
	// handles; see vk.Device.External): no second device is opened, and
	// Close destroys only what vkllm created. Device must be "" or
	// "vulkan".
	External *vk.External
	// KVType is the KV cache element type: "f32", "f16" or "int8". ""
	// means "f32" on the CPU and "int8" on a Vulkan device.
	KVType string
	// KVMemory bounds the KV cache in bytes (all layers, K and V); 0 sizes
	// it for MaxSeqs sequences of ContextLength tokens (on a Vulkan device,
	// within half of the free device memory).
	KVMemory uint64
	// BlockSize is the KV block size in tokens; 0 means 16.
	BlockSize int
	// ContextLength caps the tokens of one sequence (prompt and output);
	// 0 means the model's trained context.
	ContextLength int
	// MaxSeqs is how many sequences run at once; more wait. 0 means
	// DefaultMaxSeqs.
	MaxSeqs int
	// Threads is the CPU path's thread count; 0 means all cores.
	Threads int
	// Validation turns the Khronos validation layer on for a device vkllm
	// opens itself (when the layer is installed).
	Validation bool
	// Logger receives driver messages; nil means slog.Default().
	Logger *slog.Logger
}

// DefaultMaxSeqs is the number of concurrent sequences when
// Options.MaxSeqs is 0.
const DefaultMaxSeqs = 8

// defaultBlockSize matches the engine's and the CPU path's default.
const defaultBlockSize = 16

// resolved is Options with defaults applied and names parsed.
type resolved struct {
	Options
	onGPU  bool
	kvType cache.KVType
}

func (o Options) resolve(modelContext int) (resolved, error) {
	r := resolved{Options: o}
	switch {
	case o.External != nil && o.Device != "" && o.Device != "vulkan":
		return r, fmt.Errorf("vkllm: Options.Device %q with an External device: leave it empty", o.Device)
	case o.External != nil:
		r.onGPU, r.Device = true, "vulkan"
	case o.Device == "" || o.Device == "cpu":
		r.Device = "cpu"
	default:
		r.onGPU = true
	}
	t, err := engine.KVType(o.KVType, r.onGPU)
	if err != nil {
		return r, fmt.Errorf("vkllm: %w", err)
	}
	r.kvType = t
	if r.BlockSize <= 0 {
		r.BlockSize = defaultBlockSize
	}
	if r.MaxSeqs <= 0 {
		r.MaxSeqs = DefaultMaxSeqs
	}
	if r.ContextLength <= 0 || r.ContextLength > modelContext {
		if r.ContextLength > modelContext {
			return r, fmt.Errorf("vkllm: context length %d exceeds the model's %d", r.ContextLength, modelContext)
		}
		r.ContextLength = modelContext
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	return r, nil
}

// vkDeviceSpec is the vk.SelectDevice spec for Device ("" is the default).
func (r resolved) vkDeviceSpec() string {
	if r.Device == "vulkan" {
		return os.Getenv("VKLLM_DEVICE")
	}
	return r.Device
}

// blocksFor is the pool's block count (null block included) for MaxSeqs
// full contexts, or what KVMemory holds when it is set.
func (r resolved) blocksFor(l cache.Layout, layers int) int {
	perSeq := (r.ContextLength + l.BlockSize - 1) / l.BlockSize
	n := r.MaxSeqs*perSeq + 1
	if r.KVMemory > 0 {
		per := uint64(l.BlockBytes()) * 2 * uint64(layers)
		n = min(n, int(r.KVMemory/per))
	}
	return n
}
