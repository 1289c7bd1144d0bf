// wsi.h declares the window-system half of the binding: VK_KHR_surface and
// VK_KHR_swapchain entry points in their own tables (loaded only when an
// application asks for presentation), image copies and the submit that
// waits on and signals binary semaphores. It also declares the raw-handle
// conversions external.go uses to adopt objects an application created.
#ifndef VKLLM_WSI_H
#define VKLLM_WSI_H

#include "vkbind.h"

#define VKLLM_WSI_INSTANCE_FUNCS(X) \
	X(vkDestroySurfaceKHR) \
	X(vkGetPhysicalDeviceSurfaceSupportKHR) \
	X(vkGetPhysicalDeviceSurfaceCapabilitiesKHR) \
	X(vkGetPhysicalDeviceSurfaceFormatsKHR)

#define VKLLM_WSI_DEVICE_FUNCS(X) \
	X(vkCreateSwapchainKHR) X(vkDestroySwapchainKHR) X(vkGetSwapchainImagesKHR) \
	X(vkAcquireNextImageKHR) X(vkQueuePresentKHR) \
	X(vkCmdCopyBufferToImage) X(vkCmdCopyImageToBuffer)

#define VKLLM_FIELD(n) PFN_##n n;
typedef struct { VKLLM_WSI_INSTANCE_FUNCS(VKLLM_FIELD) } vkllm_wsi_ifns;
typedef struct { VKLLM_WSI_DEVICE_FUNCS(VKLLM_FIELD) } vkllm_wsi_dfns;
#undef VKLLM_FIELD

// vkllm_gipa returns the loader's vkGetInstanceProcAddr (vk.c).
PFN_vkGetInstanceProcAddr vkllm_gipa(void);

// Loading; NULL when out of memory. A missing entry point stays NULL and
// the Go side reports the extension as not enabled.
vkllm_wsi_ifns *vkllm_load_wsi_instance(VkInstance inst);
vkllm_wsi_dfns *vkllm_load_wsi_device(vkllm_ifns *f, VkDevice dev);
int vkllm_wsi_instance_complete(const vkllm_wsi_ifns *w);
int vkllm_wsi_device_complete(const vkllm_wsi_dfns *w);

// Raw handles: applications (GLFW, SDL) pass them as integers.
uintptr_t vkllm_handle_of(const void *p);
VkInstance vkllm_instance_from(uintptr_t h);
VkPhysicalDevice vkllm_physical_from(uintptr_t h);
VkDevice vkllm_device_from(uintptr_t h);
VkSurfaceKHR vkllm_surface_from(uintptr_t h);
uintptr_t vkllm_surface_handle(VkSurfaceKHR s);
void vkllm_get_queue(vkllm_dfns *d, VkDevice dev, uint32_t family, uint32_t index, VkQueue *q);

// Frame calls; all build their structs on the C stack.
VkResult vkllm_acquire(vkllm_wsi_dfns *w, VkDevice dev, VkSwapchainKHR sc, uint64_t timeout,
	VkSemaphore sem, uint32_t *index);
VkResult vkllm_present(vkllm_wsi_dfns *w, VkQueue q, VkSwapchainKHR sc, uint32_t index, VkSemaphore wait);
void vkllm_image_barrier(vkllm_dfns *d, VkCommandBuffer cb, VkImage img, VkImageLayout from, VkImageLayout to,
	VkPipelineStageFlags src, VkPipelineStageFlags dst, VkAccessFlags srcA, VkAccessFlags dstA);
void vkllm_copy_to_image(vkllm_wsi_dfns *w, VkCommandBuffer cb, VkBuffer src, VkDeviceSize off,
	VkImage img, uint32_t width, uint32_t height);
void vkllm_copy_from_image(vkllm_wsi_dfns *w, VkCommandBuffer cb, VkImage img, uint32_t width, uint32_t height,
	VkBuffer dst, VkDeviceSize off);
VkResult vkllm_create_swapchain(vkllm_wsi_dfns *w, VkDevice dev, VkSurfaceKHR surface,
	const VkSurfaceCapabilitiesKHR *caps, VkSurfaceFormatKHR format, VkExtent2D extent,
	VkImageUsageFlags usage, VkSwapchainKHR old, VkSwapchainKHR *out);
void vkllm_wsi_destroy_surface(vkllm_wsi_ifns *w, VkInstance inst, VkSurfaceKHR s);
void vkllm_wsi_destroy_swapchain(vkllm_wsi_dfns *w, VkDevice dev, VkSwapchainKHR sc);
VkResult vkllm_surface_support(vkllm_wsi_ifns *w, VkPhysicalDevice pd, uint32_t family, VkSurfaceKHR s, VkBool32 *out);
VkResult vkllm_surface_caps(vkllm_wsi_ifns *w, VkPhysicalDevice pd, VkSurfaceKHR s, VkSurfaceCapabilitiesKHR *out);
VkResult vkllm_surface_formats(vkllm_wsi_ifns *w, VkPhysicalDevice pd, VkSurfaceKHR s, uint32_t *n, VkSurfaceFormatKHR *out);
VkResult vkllm_swapchain_images(vkllm_wsi_dfns *w, VkDevice dev, VkSwapchainKHR sc, uint32_t *n, VkImage *out);

#endif
