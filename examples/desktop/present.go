package main

import (
	"errors"
	"fmt"
	"image"
	"time"
	"unsafe"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/vkllm/vkllm/runtime/vk"
)

// presenter shows CPU-rendered frames in a window through a Vulkan
// swapchain: each frame is written to a host-visible buffer, copied into
// the acquired swapchain image (vkCmdCopyBufferToImage between layout
// transitions), optionally copied back out for screenshots, and presented.
type presenter struct {
	win  *glfw.Window
	inst *vk.Instance
	dev  *vk.Device
	surf *vk.Surface
	sc   *vk.Swapchain
	cmd  *vk.Commands

	acquired *vk.Semaphore   // signalled by Acquire, waited by the copy
	rendered []*vk.Semaphore // per image: signalled by the copy, waited by Present
	upload   *vk.Buffer
	readback *vk.Buffer // nil unless screenshots are wanted
	read     bool
}

// newPresenter creates the instance (with the window system's surface
// extensions), the device (with VK_KHR_swapchain), the window surface and
// a swapchain.
func newPresenter(win *glfw.Window, deviceSpec string, validation, read bool) (p *presenter, err error) {
	p = &presenter{win: win, read: read}
	defer func() {
		if err != nil {
			p.close()
			p = nil
		}
	}()
	p.inst, err = vk.NewInstance(vk.InstanceOptions{AppName: "vkllm-desktop", Validation: validation,
		Extensions: win.GetRequiredInstanceExtensions()})
	if err != nil {
		return nil, err
	}
	devs, err := p.inst.PhysicalDevices()
	if err != nil {
		return nil, err
	}
	pd, err := vk.SelectDevice(devs, deviceSpec)
	if err != nil {
		return nil, err
	}
	if p.dev, err = p.inst.NewDevice(pd, vk.DeviceOptions{Extensions: []string{vk.ExtSwapchain}}); err != nil {
		return nil, err
	}
	// glfw wants the VkInstance as a pointer value (reflect kind Ptr).
	ref, err := win.CreateWindowSurface((*struct{})(p.inst.HandlePtr()), nil)
	if err != nil {
		return nil, fmt.Errorf("desktop: glfwCreateWindowSurface: %w", err)
	}
	if p.surf, err = p.inst.TakeSurface(surfaceHandle(ref)); err != nil {
		return nil, err
	}
	if p.cmd, err = p.dev.NewCommands(); err != nil {
		return nil, err
	}
	if p.acquired, err = p.dev.NewSemaphore(); err != nil {
		return nil, err
	}
	return p, p.resize()
}

// surfaceHandle reads the VkSurfaceKHR that go-gl/glfw's
// CreateWindowSurface returns by reference: its uintptr is the address of
// the Go variable holding the handle, not the handle. It is read at once,
// while that variable is still alive.
func surfaceHandle(ref uintptr) uintptr {
	return **(**uintptr)(unsafe.Pointer(&ref))
}

// resize (re)creates the swapchain at the window's framebuffer size, with
// its semaphores and frame buffers.
func (p *presenter) resize() error {
	w, h := p.win.GetFramebufferSize()
	sc, err := p.dev.NewSwapchain(p.surf, w, h, p.sc)
	if err != nil {
		return err
	}
	p.closeSwapchain()
	p.sc = sc
	for range sc.Images() {
		s, err := p.dev.NewSemaphore()
		if err != nil {
			return err
		}
		p.rendered = append(p.rendered, s)
	}
	if p.upload, err = p.dev.NewBuffer(sc.FrameBytes(), vk.HostVisible); err != nil {
		return err
	}
	if p.read && sc.CanRead() {
		p.readback, err = p.dev.NewBuffer(sc.FrameBytes(), vk.HostVisible)
	}
	return err
}

// Size is the frame size present expects.
func (p *presenter) Size() (int, int) { return p.sc.Size() }

// present shows img (of Size); a changed surface recreates the swapchain
// and drops the frame.
func (p *presenter) present(img *image.RGBA) error {
	if err := p.cmd.Begin(); err != nil { // waits for the previous frame
		return err
	}
	idx, err := p.sc.Acquire(p.acquired, 5*time.Second)
	if errors.Is(err, vk.ErrOutOfDate) {
		_ = p.cmd.End()
		return p.resize()
	}
	if err != nil {
		return err
	}
	toSurface(p.upload.Mapped(), img, p.sc.BGRA())
	p.cmd.CopyToImage(p.upload, 0, p.sc, idx)
	if p.readback != nil {
		p.cmd.CopyFromImage(p.sc, idx, p.readback, 0)
	}
	p.cmd.PresentBarrier(p.sc, idx)
	if err := p.cmd.End(); err != nil {
		return err
	}
	if err := p.dev.SubmitFrame(p.cmd, p.acquired, p.rendered[idx]); err != nil {
		return err
	}
	err = p.sc.Present(idx, p.rendered[idx])
	if errors.Is(err, vk.ErrOutOfDate) {
		return p.resize()
	}
	return err
}

// lastFrame returns the last presented frame as read back from its
// swapchain image.
func (p *presenter) lastFrame() (*image.RGBA, error) {
	if p.readback == nil {
		return nil, errors.New("desktop: the swapchain images cannot be read back")
	}
	if err := p.cmd.Wait(); err != nil {
		return nil, err
	}
	w, h := p.sc.Size()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fromSurface(img, p.readback.Mapped(), p.sc.BGRA())
	return img, nil
}

// toSurface converts RGBA pixels into the swapchain's byte order, opaque.
func toSurface(dst []byte, img *image.RGBA, bgra bool) {
	src := img.Pix
	for i := 0; i+3 < len(src) && i+3 < len(dst); i += 4 {
		r, g, b := src[i], src[i+1], src[i+2]
		if bgra {
			r, b = b, r
		}
		dst[i], dst[i+1], dst[i+2], dst[i+3] = r, g, b, 255
	}
}

func fromSurface(img *image.RGBA, src []byte, bgra bool) {
	toSurface(img.Pix, &image.RGBA{Pix: src}, bgra)
}

func (p *presenter) closeSwapchain() {
	for _, s := range p.rendered {
		s.Close()
	}
	p.rendered = nil
	for _, b := range []*vk.Buffer{p.upload, p.readback} {
		if b != nil {
			b.Close()
		}
	}
	p.upload, p.readback = nil, nil
	if p.sc != nil {
		p.sc.Close()
		p.sc = nil
	}
}

// close releases everything in reverse order of creation. Idempotent.
func (p *presenter) close() {
	if p.dev != nil {
		_ = p.dev.WaitIdle()
		p.closeSwapchain()
		if p.acquired != nil {
			p.acquired.Close()
		}
		if p.cmd != nil {
			p.cmd.Close()
		}
	}
	if p.surf != nil {
		p.surf.Close()
	}
	if p.dev != nil {
		p.dev.Close()
		p.dev = nil
	}
	if p.inst != nil {
		p.inst.Close()
		p.inst = nil
	}
}
