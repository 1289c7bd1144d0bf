package vk

// SubmitSemaphores exposes submit to the external tests, which need a
// submission that only signals (or only waits for) a binary semaphore to
// drive SubmitFrame without a swapchain.
func (d *Device) SubmitSemaphores(c *Commands, wait, signal *Semaphore) error {
	return d.submit(c, "SubmitSemaphores", wait, signal)
}
