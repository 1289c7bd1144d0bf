package vkllm

import (
	"fmt"

	"github.com/vkllm/vkllm/cache"
	cachedev "github.com/vkllm/vkllm/cache/device"
	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/runtime/engine"
	"github.com/vkllm/vkllm/runtime/runner"
	"github.com/vkllm/vkllm/runtime/vk"
)

// backend makes the Stepper and the block pool whose ids index its KV
// storage: host memory on the CPU, a device pool on Vulkan.
func (e *Engine) backend(r resolved) (runner.Stepper, *cache.BlockPool, error) {
	if r.onGPU {
		return e.vulkanBackend(r)
	}
	m := e.model
	layout := cache.Layout{Type: r.kvType, BlockSize: r.BlockSize, KVHeads: m.Config.KVHeads, HeadDim: m.Config.HeadDim}
	if err := layout.Validate(); err != nil {
		return nil, nil, err
	}
	n := r.blocksFor(layout, m.Config.Layers)
	pool, err := cache.NewBlockPool(n, r.BlockSize)
	if err != nil {
		return nil, nil, err
	}
	kv, err := cache.NewHostPool(m.Config.Layers, layout, n)
	if err != nil {
		return nil, nil, err
	}
	be, err := cpu.NewBackend(m, kv, cpu.BackendOptions{Threads: r.Threads})
	if err != nil {
		return nil, nil, err
	}
	return runner.NewStepper(m, be), pool, nil
}

// device is vkllm's Vulkan state: the instance and device it opened or
// adopted, and the engine on them.
type device struct {
	inst   *vk.Instance
	dev    *vk.Device
	engine *engine.Engine
}

func (e *Engine) vulkanBackend(r resolved) (runner.Stepper, *cache.BlockPool, error) {
	d, err := openDevice(r)
	if err != nil {
		return nil, nil, err
	}
	e.dev = d
	kv := cachedev.Options{Bytes: r.KVMemory}
	if r.KVMemory == 0 {
		perSeq := (r.ContextLength + r.BlockSize - 1) / r.BlockSize
		kv.MaxBlocks = r.MaxSeqs*perSeq + 1
	}
	d.engine, err = engine.New(d.dev, e.model, engine.Options{KVType: r.kvType, BlockSize: r.BlockSize, KV: kv})
	if err != nil {
		return nil, nil, err
	}
	pool, err := cache.NewBlockPool(d.engine.NumBlocks(), r.BlockSize)
	if err != nil {
		return nil, nil, err
	}
	return d.engine, pool, nil
}

// openDevice adopts Options.External or opens the device Options.Device
// names.
func openDevice(r resolved) (*device, error) {
	if r.External != nil {
		x := *r.External
		x.Logger = r.Logger
		dev, err := vk.AdoptDevice(x)
		if err != nil {
			return nil, err
		}
		return &device{inst: dev.Instance(), dev: dev}, nil
	}
	inst, err := vk.NewInstance(vk.InstanceOptions{Validation: r.Validation, Logger: r.Logger})
	if err != nil {
		return nil, err
	}
	d := &device{inst: inst}
	devs, err := inst.PhysicalDevices()
	if err == nil {
		var pd vk.PhysicalDevice
		if pd, err = vk.SelectDevice(devs, r.vkDeviceSpec()); err == nil {
			d.dev, err = inst.NewDevice(pd, vk.DeviceOptions{})
			if err != nil {
				err = fmt.Errorf("opening %s: %w", pd.Name, err)
			}
		}
	}
	if err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

func (d *device) close() {
	if d.engine != nil {
		d.engine.Close()
	}
	if d.dev != nil {
		d.dev.Close()
	}
	d.inst.Close()
}
