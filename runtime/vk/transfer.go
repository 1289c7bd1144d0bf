package vk

import (
	"fmt"
)

// stagingChunk bounds the staging buffer; larger transfers loop.
const stagingChunk = 64 << 20

// Upload writes data into b at off. Mapped buffers are written directly;
// others go through a staging buffer and a copy (discrete GPUs). It waits
// for the buffer's last submission first.
func (d *Device) Upload(b *Buffer, off uint64, data []byte) error {
	if off+uint64(len(data)) > b.size {
		return fmt.Errorf("vk: Upload of %d bytes at %d into a %d-byte buffer", len(data), off, b.size)
	}
	if err := d.waitMark(&b.use); err != nil {
		return err
	}
	if m := b.Mapped(); m != nil {
		copy(m[off:], data)
		return nil
	}
	return d.staged(len(data), func(st *Buffer, c *Commands, done, n int) {
		copy(st.Mapped(), data[done:done+n])
		c.Copy(st, 0, b, off+uint64(done), uint64(n))
	}, nil)
}

// Download reads len(out) bytes of b at off into out, through staging when
// b is not mapped. It waits for the buffer's last submission first.
func (d *Device) Download(b *Buffer, off uint64, out []byte) error {
	if off+uint64(len(out)) > b.size {
		return fmt.Errorf("vk: Download of %d bytes at %d from a %d-byte buffer", len(out), off, b.size)
	}
	if err := d.waitMark(&b.use); err != nil {
		return err
	}
	if m := b.Mapped(); m != nil {
		copy(out, m[off:])
		return nil
	}
	return d.staged(len(out), func(st *Buffer, c *Commands, done, n int) {
		c.Copy(b, off+uint64(done), st, 0, uint64(n))
	}, func(st *Buffer, done, n int) {
		copy(out[done:done+n], st.Mapped()[:n])
	})
}

// staged runs total bytes through the staging buffer in chunks: record
// fills the commands for one chunk, after (if any) runs once it completed.
func (d *Device) staged(total int, record func(st *Buffer, c *Commands, done, n int), after func(st *Buffer, done, n int)) error {
	if total == 0 {
		return nil
	}
	d.xmu.Lock()
	defer d.xmu.Unlock()
	st, c, err := d.transferObjects(min(total, stagingChunk))
	if err != nil {
		return err
	}
	for done := 0; done < total; {
		n := min(total-done, int(st.size))
		if err := c.Begin(); err != nil {
			return err
		}
		record(st, c, done, n)
		if err := c.End(); err != nil {
			return err
		}
		if err := d.SubmitWait(c); err != nil {
			return err
		}
		if after != nil {
			after(st, done, n)
		}
		done += n
	}
	return nil
}

// transferObjects returns the staging buffer (grown to at least size
// bytes) and the transfer commands; d.xmu is held.
func (d *Device) transferObjects(size int) (*Buffer, *Commands, error) {
	if d.xfer == nil {
		c, err := d.newCommands()
		if err != nil {
			return nil, nil, err
		}
		d.xfer = c
	}
	if d.staging != nil && d.staging.size < uint64(size) {
		d.staging.Close()
		d.staging = nil
	}
	if d.staging == nil {
		st, err := d.newBuffer(uint64(max(size, 1<<20)), HostVisible, true)
		if err != nil {
			return nil, nil, err
		}
		d.staging = st
	}
	return d.staging, d.xfer, nil
}
