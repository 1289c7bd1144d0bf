// Package vk is vkllm's thin Vulkan binding and the only package that
// imports "C". It includes the system <vulkan/vulkan.h> with
// VK_NO_PROTOTYPES, dlopens libvulkan.so.1 at run time (the binary links
// only -ldl; a missing loader is ErrNoVulkan naming the library), resolves
// entry points through vkGetInstanceProcAddr/vkGetDeviceProcAddr into C
// tables, and exposes Go types: Instance, PhysicalDevice, Device, Buffer,
// Pipeline, DescriptorSet, Commands, Timestamps.
//
// Usage (errors elided):
//
//	inst, _ := vk.NewInstance(vk.InstanceOptions{Validation: true})
//	defer inst.Close()
//	pds, _ := inst.PhysicalDevices()
//	pd, _ := vk.SelectDevice(pds, os.Getenv("VKLLM_DEVICE"))
//	dev, _ := inst.NewDevice(pd, vk.DeviceOptions{}) // dev.Features(): what kernels may use
//	defer dev.Close()
//
//	in, _ := dev.NewBuffer(4*n, vk.DeviceLocal)
//	out, _ := dev.NewBuffer(4*n, vk.DeviceLocal)
//	dev.Upload(in, 0, inputBytes)
//	pipe, _ := dev.NewPipeline(vk.PipelineSpec{Name: "double", SPIRV: spv,
//		Bindings: 2, PushSize: 8, Spec: []uint32{64 /* constant_id 0 */, 2 /* id 1 */}})
//	set, _ := pipe.NewDescriptorSet(vk.Bind(in), vk.Bind(out)) // bindings 0, 1 of set 0
//	cmd, _ := dev.NewCommands()
//	push := struct{ N uint32; Add float32 }{n, 0.5}
//	cmd.Begin()
//	cmd.Dispatch(pipe, set, vk.PushBytes(&push), (n+63)/64, 1, 1)
//	cmd.Barrier() // before a dependent dispatch or copy
//	cmd.End()
//	dev.SubmitWait(cmd) // or dev.Submit(cmd) ... cmd.Wait()
//	dev.Download(out, 0, result)
//
// Tests get a validated device from package vktest: dev := vktest.Device(t).
//
// Memory: buffers are sub-allocated from VkDeviceMemory blocks of
// DeviceOptions.BlockSize (64 MiB default), never larger than
// min(maxMemoryAllocationSize, 1 GiB) (Device.MaxBufferSize). DeviceLocal
// buffers on unified-memory devices (integrated, CPU) are mapped and Upload
// and Download copy directly; on discrete GPUs (or with
// DeviceOptions.NoUnifiedMemory) they go through a staging buffer. A
// descriptor range may not exceed Limits.MaxStorageBufferRange.
//
// Texel buffers: a pipeline may declare PipelineSpec.Texels uniform texel
// buffer bindings after its storage buffers; a set binds each to a buffer
// range made a texel range by Binding.Texels, and creates and destroys
// the R32G32B32A32_UINT view itself (Features.TexelBuffer; offsets aligned
// to Limits.MinTexelBufferOffsetAlignment, ranges up to
// Device.MaxTexelViewSize).
//
// Features: Device.Features reports the optional features enabled at open
// (fp16, int8, 8/16-bit storage, subgroup ops and size control, integer dot
// product, timeline semaphores, memory budget); DeviceOptions.Disable or
// Portable switch them off to exercise the portable kernel paths.
//
// Lifetime: every object has an idempotent Close that first waits for the
// last submission that used it (recorded at Submit). Device.Close waits
// idle, closes whatever is still open in reverse creation order, saves the
// pipeline cache and destroys the device. Device.Stats reports allocator
// bytes and live objects so callers can check for leaks.
//
// Threading: Instance and Device methods (creating and closing objects,
// Upload, Download, Submit) are safe for concurrent use. A Commands is
// recorded and submitted by one goroutine at a time. An object must not be
// closed while commands that use it are still being recorded.
//
// cgo rules kept here: no Go pointer is stored in C memory; create-info
// structs that hold pointers are built in C memory (cArena) and pNext
// feature chains are one C allocation linked in C; SPIR-V and
// specialization data are copied to C memory for the call. Recording
// (Dispatch, barriers, Copy, Fill, timestamps) and Submit allocate nothing
// in the steady state. The tests pass under GOEXPERIMENT=cgocheck2.
//
// Errors name the Vulkan call ("vk: vkCreateBuffer: VK_ERROR_...") and wrap
// a Result that matches ErrDeviceLost, ErrOutOfDeviceMemory (device or host
// memory), ErrUnsupported or ErrNoVulkan with errors.Is.
package vk
