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

// Timestamps is a pool of n timestamp queries. Record Reset before the
// writes in each command buffer, then read Results after the wait.
type Timestamps struct {
	dev  *Device
	pool C.VkQueryPool
	n    uint32
	use  useMark
	once sync.Once
}

func (t *Timestamps) markUse(m useMark) { t.use = m }

// NewTimestamps creates a pool of n timestamp queries; it fails with
// ErrUnsupported when the compute queue has no timestamps.
func (d *Device) NewTimestamps(n uint32) (*Timestamps, error) {
	if n == 0 {
		return nil, fmt.Errorf("vk: NewTimestamps: zero queries")
	}
	if d.pd.Limits.TimestampValidBits == 0 {
		return nil, fmt.Errorf("vk: %s: compute queue has no timestamps: %w", d.pd.Name, ErrUnsupported)
	}
	var ci C.VkQueryPoolCreateInfo
	ci.sType = C.VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO
	ci.queryType = C.VK_QUERY_TYPE_TIMESTAMP
	ci.queryCount = C.uint32_t(n)
	t := &Timestamps{dev: d, n: n}
	if err := check("vkCreateQueryPool", C.vkllm_CreateQueryPool(d.fns, d.dev, &ci, &t.pool)); err != nil {
		return nil, err
	}
	if err := d.track(t); err != nil {
		C.vkllm_DestroyQueryPool(d.fns, d.dev, t.pool)
		return nil, err
	}
	return t, nil
}

// ResetTimestamps resets all queries of t (record before the first write).
func (c *Commands) ResetTimestamps(t *Timestamps) {
	c.used = append(c.used, t)
	C.vkllm_CmdResetQueryPool(c.dev.fns, c.cb, t.pool, 0, C.uint32_t(t.n))
}

// WriteTimestamp records query i once all earlier commands completed.
func (c *Commands) WriteTimestamp(t *Timestamps, i uint32) {
	if i >= t.n {
		c.fail(fmt.Errorf("vk: WriteTimestamp %d of %d", i, t.n))
		return
	}
	c.used = append(c.used, t)
	C.vkllm_CmdWriteTimestamp(c.dev.fns, c.cb, C.VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, t.pool, C.uint32_t(i))
}

// Results returns the n timestamps in nanoseconds (raw ticks times
// timestampPeriod, masked to the valid bits); an unwritten query is an error.
func (t *Timestamps) Results() ([]float64, error) {
	if err := t.dev.waitMark(&t.use); err != nil {
		return nil, err
	}
	raw := make([]uint64, 2*t.n) // value, availability per query
	d := t.dev
	r := C.vkllm_GetQueryPoolResults(d.fns, d.dev, t.pool, 0, C.uint32_t(t.n), (*C.uint64_t)(unsafe.Pointer(&raw[0])))
	if r != C.VK_SUCCESS && r != C.VK_NOT_READY {
		return nil, check("vkGetQueryPoolResults", r)
	}
	mask := ^uint64(0)
	if bits := d.pd.Limits.TimestampValidBits; bits < 64 {
		mask = 1<<bits - 1
	}
	period := float64(d.pd.Limits.TimestampPeriod)
	out := make([]float64, t.n)
	for i := range out {
		if raw[2*i+1] == 0 {
			return nil, fmt.Errorf("vk: timestamp %d was not written", i)
		}
		out[i] = float64(raw[2*i]&mask) * period
	}
	return out, nil
}

// Close destroys the pool after its last submission. Idempotent.
func (t *Timestamps) Close() {
	t.once.Do(func() {
		_ = t.dev.waitMark(&t.use)
		t.dev.untrack(t)
		C.vkllm_DestroyQueryPool(t.dev.fns, t.dev.dev, t.pool)
	})
}
