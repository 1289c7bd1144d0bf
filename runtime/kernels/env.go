package kernels

import (
	"fmt"
	"time"
	"unsafe"

	"github.com/vkllm/vkllm/runtime/vk"
)

// env runs one selftest case on a device: it owns the case's buffers,
// descriptor sets and kernels and frees them in close.
type env struct {
	err  error         // first error; later calls do nothing (sticky)
	gpu  time.Duration // GPU time of the last exec
	dev  *vk.Device
	cmd  *vk.Commands
	ts   *vk.Timestamps // nil when the queue has no timestamps
	objs []interface{ Close() }
}

func newEnv(dev *vk.Device) (*env, error) {
	cmd, err := dev.NewCommands()
	if err != nil {
		return nil, err
	}
	e := &env{dev: dev, cmd: cmd}
	if ts, err := dev.NewTimestamps(2); err == nil {
		e.ts = ts
	}
	return e, nil
}

// own registers objects to close after the case.
func (e *env) own(o interface{ Close() }) { e.objs = append(e.objs, o) }

// close frees the case's objects, newest first.
func (e *env) close() {
	for i := len(e.objs) - 1; i >= 0; i-- {
		e.objs[i].Close()
	}
	e.objs = nil
}

// destroy closes everything, the commands and timestamps included.
func (e *env) destroy() {
	e.close()
	if e.ts != nil {
		e.ts.Close()
	}
	e.cmd.Close()
}

// buffer makes a device-local buffer holding data (at least 4 bytes, so
// empty inputs still bind). It returns nil after an error.
func (e *env) buffer(data []byte) *vk.Buffer {
	if e.err != nil {
		return nil
	}
	b, err := e.dev.NewBuffer(max(uint64(len(data)+3)&^3, 4), vk.DeviceLocal)
	if err != nil {
		e.err = err
		return nil
	}
	e.own(b)
	if len(data) > 0 {
		e.err = e.dev.Upload(b, 0, data)
	}
	return b
}

// floats makes a buffer holding v.
func (e *env) floats(v []float32) *vk.Buffer { return e.buffer(f32Bytes(v)) }

// zeros makes a buffer of n floats.
func (e *env) zeros(n int) *vk.Buffer { return e.buffer(make([]byte, 4*n)) }

// set binds whole buffers to p's bindings, in order.
func (e *env) set(p *program, bufs ...*vk.Buffer) *vk.DescriptorSet {
	if e.err != nil {
		return nil
	}
	bs := make([]vk.Binding, len(bufs))
	for i, b := range bufs {
		bs[i] = vk.Bind(b)
	}
	set, err := p.bind(bs...)
	if err != nil {
		e.err = err
		return nil
	}
	e.own(set)
	return set
}

// exec runs record (see run), stores the GPU time in e.gpu and returns
// the n floats of out.
func (e *env) exec(out *vk.Buffer, n int, record func(c *vk.Commands) error) []float32 {
	if e.err != nil {
		return nil
	}
	e.gpu, e.err = e.run(record)
	if e.err != nil {
		return nil
	}
	got, err := e.read(out, n)
	e.err = err
	return got
}

// run records one command buffer through record, between two timestamps,
// submits it and waits. It returns the GPU time (timestamps, or the wall
// clock around the submission when the queue has none).
func (e *env) run(record func(c *vk.Commands) error) (time.Duration, error) {
	c := e.cmd
	if err := c.Begin(); err != nil {
		return 0, err
	}
	if e.ts != nil {
		c.ResetTimestamps(e.ts)
		c.WriteTimestamp(e.ts, 0)
	}
	if err := record(c); err != nil {
		_ = c.End()
		return 0, err
	}
	if e.ts != nil {
		c.WriteTimestamp(e.ts, 1)
	}
	if err := c.End(); err != nil {
		return 0, err
	}
	start := time.Now()
	if err := e.dev.SubmitWait(c); err != nil {
		return 0, err
	}
	wall := time.Since(start)
	if e.ts == nil {
		return wall, nil
	}
	ns, err := e.ts.Results()
	if err != nil {
		return 0, err
	}
	return time.Duration(ns[1] - ns[0]), nil
}

// read downloads n floats from b.
func (e *env) read(b *vk.Buffer, n int) ([]float32, error) {
	out := make([]float32, n)
	if err := e.dev.Download(b, 0, f32Bytes(out)); err != nil {
		return nil, fmt.Errorf("kernels: download: %w", err)
	}
	return out, nil
}

// f32Bytes views floats as their little-endian bytes (Vulkan hosts are
// little-endian).
func f32Bytes(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))
}

func i32Bytes(v []int32) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))
}

// execBytes runs record like exec and returns the bytes of bufs, in
// order, as bytesAsFloats values.
func (e *env) execBytes(bufs []*vk.Buffer, record func(c *vk.Commands) error) []float32 {
	if e.err != nil {
		return nil
	}
	e.gpu, e.err = e.run(record)
	var all []byte
	for _, b := range bufs {
		if e.err != nil {
			return nil
		}
		data := make([]byte, b.Size())
		e.err = e.dev.Download(b, 0, data)
		all = append(all, data...)
	}
	return bytesAsFloats(all)
}
