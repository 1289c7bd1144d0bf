package vk

/*
#include "vkbind.h"
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"
)

// useMark records the submission that last used an object.
type useMark struct {
	cmd    *Commands
	serial uint64
}

// user is an object that recorded commands reference; submit stamps it so
// its Close can wait for the GPU to finish with it.
type user interface{ markUse(useMark) }

func (b *Buffer) markUse(m useMark) { b.use = m }

// Commands is one primary command buffer with its pool and fence. Record
// with Begin ... End, then Device.Submit/SubmitWait. One goroutine at a
// time; recording and submitting allocate nothing in the steady state.
type Commands struct {
	dev   *Device
	pool  C.VkCommandPool
	cb    C.VkCommandBuffer
	fence C.VkFence
	used  []user
	err   error // first recording error, returned by End

	readBack bool // the swapchain image being recorded was read back (wsi_frame.go)

	serial  uint64 // of the last submission; under dev.qmu
	pending bool   // submitted and not yet known complete; under dev.qmu
	once    sync.Once
}

// NewCommands creates a command buffer.
func (d *Device) NewCommands() (*Commands, error) {
	c, err := d.newCommands()
	if err != nil {
		return nil, err
	}
	if err := d.track(c); err != nil {
		c.destroy()
		return nil, err
	}
	return c, nil
}

func (d *Device) newCommands() (*Commands, error) {
	c := &Commands{dev: d}
	var pci C.VkCommandPoolCreateInfo
	pci.sType = C.VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO
	pci.flags = C.VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT
	pci.queueFamilyIndex = C.uint32_t(d.family)
	if err := check("vkCreateCommandPool", C.vkllm_CreateCommandPool(d.fns, d.dev, &pci, &c.pool)); err != nil {
		return nil, err
	}
	var ai C.VkCommandBufferAllocateInfo
	ai.sType = C.VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO
	ai.commandPool = c.pool
	ai.level = C.VK_COMMAND_BUFFER_LEVEL_PRIMARY
	ai.commandBufferCount = 1
	if err := check("vkAllocateCommandBuffers", C.vkllm_AllocateCommandBuffers(d.fns, d.dev, &ai, &c.cb)); err != nil {
		c.destroy()
		return nil, err
	}
	var fci C.VkFenceCreateInfo
	fci.sType = C.VK_STRUCTURE_TYPE_FENCE_CREATE_INFO
	if err := check("vkCreateFence", C.vkllm_CreateFence(d.fns, d.dev, &fci, &c.fence)); err != nil {
		c.destroy()
		return nil, err
	}
	return c, nil
}

// Begin waits for the previous submission and starts recording commands
// that are submitted once.
func (c *Commands) Begin() error { return c.begin(0) }

// BeginReusable is Begin for commands that may be submitted again after
// each submission completed (no ONE_TIME_SUBMIT), until the next Begin:
// the engine replays one decode step's recording across steps.
func (c *Commands) BeginReusable() error { return c.begin(1) }

func (c *Commands) begin(reusable C.int) error {
	if err := c.Wait(); err != nil {
		return err
	}
	c.used = c.used[:0]
	c.err = nil
	return check("vkBeginCommandBuffer", C.vkllm_begin(c.dev.fns, c.cb, reusable))
}

// Dispatch binds p and set, pushes push (exactly p's PushSize bytes; see
// PushBytes) and dispatches x*y*z workgroups. set may be nil for a
// pipeline without bindings.
func (c *Commands) Dispatch(p *Pipeline, set *DescriptorSet, push []byte, x, y, z uint32) {
	if len(push) != int(p.pushSize) {
		c.fail(fmt.Errorf("vk: Dispatch %s: %d push bytes, pipeline wants %d", p.name, len(push), p.pushSize))
		return
	}
	var ds C.VkDescriptorSet
	if set != nil {
		if set.pipe != p && set.pipe.layoutKey != p.layoutKey {
			c.fail(fmt.Errorf("vk: Dispatch %s: descriptor set of pipeline %s", p.name, set.pipe.name))
			return
		}
		ds = set.set
		c.used = append(c.used, set)
	}
	c.used = append(c.used, p)
	C.vkllm_dispatch(c.dev.fns, c.cb, p.pipe, p.layout, ds, unsafe.Pointer(unsafe.SliceData(push)),
		C.uint32_t(len(push)), C.uint32_t(x), C.uint32_t(y), C.uint32_t(z))
}

// Stage and access masks for the barriers below.
const (
	stCompute  = C.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT
	stTransfer = C.VK_PIPELINE_STAGE_TRANSFER_BIT
	stHost     = C.VK_PIPELINE_STAGE_HOST_BIT
	acWrite    = C.VK_ACCESS_SHADER_WRITE_BIT | C.VK_ACCESS_TRANSFER_WRITE_BIT
	acAll      = C.VK_ACCESS_SHADER_READ_BIT | C.VK_ACCESS_SHADER_WRITE_BIT |
		C.VK_ACCESS_TRANSFER_READ_BIT | C.VK_ACCESS_TRANSFER_WRITE_BIT
)

// Barrier makes all earlier compute and transfer writes visible to later
// compute and transfer commands (a global memory barrier).
func (c *Commands) Barrier() {
	C.vkllm_barrier(c.dev.fns, c.cb, stCompute|stTransfer, stCompute|stTransfer, acWrite, acAll)
}

// ComputeBarrier orders compute shader writes before later compute reads
// and writes.
func (c *Commands) ComputeBarrier() {
	C.vkllm_barrier(c.dev.fns, c.cb, stCompute, stCompute, C.VK_ACCESS_SHADER_WRITE_BIT,
		C.VK_ACCESS_SHADER_READ_BIT|C.VK_ACCESS_SHADER_WRITE_BIT)
}

// BufferBarrier is Barrier restricted to one buffer's whole range.
func (c *Commands) BufferBarrier(b *Buffer) {
	C.vkllm_buffer_barrier(c.dev.fns, c.cb, b.buf, 0, C.VK_WHOLE_SIZE,
		stCompute|stTransfer, stCompute|stTransfer, acWrite, acAll)
}

// Copy copies size bytes from src at srcOff to dst at dstOff.
func (c *Commands) Copy(src *Buffer, srcOff uint64, dst *Buffer, dstOff, size uint64) {
	if srcOff+size > src.size || dstOff+size > dst.size || size == 0 {
		c.fail(fmt.Errorf("vk: Copy of %d bytes out of range (src %d+%d, dst %d+%d)", size, srcOff, src.size, dstOff, dst.size))
		return
	}
	c.used = append(c.used, src, dst)
	C.vkllm_copy(c.dev.fns, c.cb, src.buf, dst.buf, C.VkDeviceSize(srcOff), C.VkDeviceSize(dstOff), C.VkDeviceSize(size))
}

// Fill sets size bytes (a multiple of 4) of b at off (a multiple of 4) to
// the repeated 32-bit value.
func (c *Commands) Fill(b *Buffer, off, size uint64, value uint32) {
	if off%4 != 0 || size%4 != 0 || off+size > b.size || size == 0 {
		c.fail(fmt.Errorf("vk: Fill [%d,+%d) of a %d-byte buffer: need multiples of 4 in range", off, size, b.size))
		return
	}
	c.used = append(c.used, b)
	C.vkllm_CmdFillBuffer(c.dev.fns, c.cb, b.buf, C.VkDeviceSize(off), C.VkDeviceSize(size), C.uint32_t(value))
}

// End finishes recording; it adds a barrier that makes device writes
// visible to the host, so mapped buffers can be read after the wait.
func (c *Commands) End() error {
	C.vkllm_barrier(c.dev.fns, c.cb, stCompute|stTransfer, stHost, acWrite,
		C.VK_ACCESS_HOST_READ_BIT|C.VK_ACCESS_HOST_WRITE_BIT)
	if err := check("vkEndCommandBuffer", C.vkllm_EndCommandBuffer(c.dev.fns, c.cb)); err != nil {
		return err
	}
	return c.err
}

func (c *Commands) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// Submit queues c without waiting; c.Wait (or the next Begin) waits.
func (d *Device) Submit(c *Commands) error {
	return d.submit(c, "Submit", nil, nil)
}

// submit queues c. Where they are not nil, c waits for wait at the transfer
// stage and signals signal (SubmitFrame's binary semaphores); it always
// signals the device timeline when there is one. op names the caller in
// errors.
func (d *Device) submit(c *Commands, op string, wait, signal *Semaphore) error {
	if c.err != nil {
		return fmt.Errorf("vk: %s of commands with a recording error: %w", op, c.err)
	}
	d.qmu.Lock()
	defer d.qmu.Unlock()
	if c.pending {
		return fmt.Errorf("vk: %s: commands already pending", op)
	}
	var ws, ss, tl C.VkSemaphore
	if wait != nil {
		ws = wait.sem
	}
	if signal != nil {
		ss = signal.sem
	}
	if d.timeline != nil {
		tl = d.timeline.sem
	}
	if err := check("vkQueueSubmit", C.vkllm_submit(d.fns, d.queue, c.cb, c.fence, ws, ss, tl, C.uint64_t(d.serial+1))); err != nil {
		return err
	}
	d.serial++
	c.serial, c.pending = d.serial, true
	m := useMark{c, d.serial}
	for _, u := range c.used {
		u.markUse(m)
	}
	return nil
}

// SubmitWait submits c and waits for it to complete.
func (d *Device) SubmitWait(c *Commands) error {
	if err := d.Submit(c); err != nil {
		return err
	}
	return c.Wait()
}

// Wait blocks until c's last submission completed (no-op if none).
func (c *Commands) Wait() error {
	d := c.dev
	d.qmu.Lock()
	pending := c.pending
	d.qmu.Unlock()
	if !pending {
		return nil
	}
	if err := check("vkWaitForFences", C.vkllm_wait_fence(d.fns, d.dev, c.fence, C.UINT64_MAX)); err != nil {
		return err
	}
	d.qmu.Lock()
	defer d.qmu.Unlock()
	c.pending = false
	return check("vkResetFences", C.vkllm_reset_fence(d.fns, d.dev, c.fence))
}

// waitMark waits until the submission recorded in *mp has completed; *mp
// is read under qmu because Submit writes it. The owner may reset the fence
// meanwhile, so the wait polls in short slices and re-checks whether that
// submission is still the pending one.
func (d *Device) waitMark(mp *useMark) error {
	for {
		d.qmu.Lock()
		m := *mp
		pending := m.cmd != nil && m.cmd.pending && m.cmd.serial == m.serial
		d.qmu.Unlock()
		if !pending {
			return nil
		}
		if d.timeline != nil {
			return d.timeline.Wait(m.serial, -1)
		}
		r := C.vkllm_wait_fence(d.fns, d.dev, m.cmd.fence, 1_000_000)
		if r == C.VK_SUCCESS {
			return nil
		}
		if r != C.VK_TIMEOUT {
			return check("vkWaitForFences", r)
		}
	}
}

// Close waits for the pending submission and frees the command buffer.
// Idempotent.
func (c *Commands) Close() {
	c.once.Do(func() {
		_ = c.Wait()
		c.dev.untrack(c)
		c.destroy()
	})
}

func (c *Commands) destroy() {
	d := c.dev
	if c.fence != nil {
		C.vkllm_DestroyFence(d.fns, d.dev, c.fence)
	}
	if c.pool != nil {
		C.vkllm_DestroyCommandPool(d.fns, d.dev, c.pool)
	}
}
