package engine

import (
	"errors"
	"fmt"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/runtime/vk"
)

// UseEngine decides where `vkllm run --device spec` computes: "cpu" is the
// pure-Go path; any other non-empty spec names a Vulkan device
// (vk.SelectDevice: index, type or name substring; llvmpipe included);
// "" picks the engine when a Vulkan device that is not a CPU
// implementation exists, since lavapipe is slower than the CPU path.
func UseEngine(spec string) (bool, error) {
	switch spec {
	case "cpu":
		return false, nil
	case "":
		devs, _, err := vk.ListDevices()
		if errors.Is(err, vk.ErrNoVulkan) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		for _, d := range devs {
			if d.Type != vk.TypeCPU {
				return true, nil
			}
		}
		return false, nil
	}
	return true, nil
}

// RunnerOptions configure Open.
type RunnerOptions struct {
	Device     string // vk.SelectDevice spec; "" picks the default device
	Validation bool   // enable the Khronos validation layer when installed
	Engine     Options
	Context    int // tokens the session holds; 0: the model's (capped by the pool)
}

// Runner is one sequence on a device: the Vulkan instance and device, the
// engine and a cpu.Session stepping on it.
type Runner struct {
	Instance *vk.Instance
	Device   *vk.Device
	Engine   *Engine
	Session  *cpu.Session
}

// Open opens the device, uploads m and makes a session over the engine.
// Unless opt.Engine.KV names a block count or a byte budget, the pool is
// capped at what the session's context can use.
func Open(m *llama.Model, opt RunnerOptions) (*Runner, error) {
	r := &Runner{}
	if err := r.open(m, opt); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *Runner) open(m *llama.Model, opt RunnerOptions) error {
	var err error
	if r.Instance, err = vk.NewInstance(vk.InstanceOptions{Validation: opt.Validation, AppName: "vkllm"}); err != nil {
		return err
	}
	devs, err := r.Instance.PhysicalDevices()
	if err != nil {
		return err
	}
	pd, err := vk.SelectDevice(devs, opt.Device)
	if err != nil {
		return err
	}
	if r.Device, err = r.Instance.NewDevice(pd, vk.DeviceOptions{}); err != nil {
		return fmt.Errorf("engine: opening %s: %w", pd.Name, err)
	}
	ctx := opt.Context
	if ctx <= 0 || ctx > m.Config.Context {
		ctx = m.Config.Context
	}
	eo := opt.Engine
	if eo.KV.MaxBlocks == 0 {
		bs := eo.BlockSize
		if bs <= 0 {
			bs = DefaultBlockSize
		}
		eo.KV.MaxBlocks = (ctx+bs-1)/bs + 1
	}
	if r.Engine, err = New(r.Device, m, eo); err != nil {
		return err
	}
	r.Session, err = cpu.NewSessionOn(m, r.Engine, cpu.Options{Context: ctx, PrefillChunk: r.Engine.MaxRows()})
	return err
}

// Close frees the engine, the device and the instance. Idempotent.
func (r *Runner) Close() {
	if r.Engine != nil {
		r.Engine.Close()
		r.Engine = nil
	}
	if r.Device != nil {
		r.Device.Close()
		r.Device = nil
	}
	if r.Instance != nil {
		r.Instance.Close()
		r.Instance = nil
	}
}

// KVType parses a KV cache type name; "" means the backend's default: int8
// on the Vulkan engine (half of f16, on every device) and f32 on the CPU
// path, whose int8 and f16 stores cost conversion time and save nothing it
// is short of.
func KVType(name string, onEngine bool) (cache.KVType, error) {
	if name == "" {
		if onEngine {
			return cache.KVInt8, nil
		}
		return cache.KVF32, nil
	}
	return cache.ParseKVType(name)
}
