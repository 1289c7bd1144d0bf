// wsi.c holds the C half of wsi.go and external.go: surface and swapchain
// entry points, image copies, and the conversions between raw integer
// handles and Vulkan handle types. Frame submission shares vkllm_submit
// (vk.c) with compute submission.
#include "wsi.h"

vkllm_wsi_ifns *vkllm_load_wsi_instance(VkInstance inst) {
	vkllm_wsi_ifns *w = calloc(1, sizeof(*w));
	if (w == NULL) return NULL;
	PFN_vkGetInstanceProcAddr gipa = vkllm_gipa();
#define LOAD(n) w->n = (PFN_##n)gipa(inst, #n);
	VKLLM_WSI_INSTANCE_FUNCS(LOAD)
#undef LOAD
	return w;
}

vkllm_wsi_dfns *vkllm_load_wsi_device(vkllm_ifns *f, VkDevice dev) {
	vkllm_wsi_dfns *w = calloc(1, sizeof(*w));
	if (w == NULL) return NULL;
#define LOAD(n) w->n = (PFN_##n)f->vkGetDeviceProcAddr(dev, #n);
	VKLLM_WSI_DEVICE_FUNCS(LOAD)
#undef LOAD
	return w;
}

int vkllm_wsi_instance_complete(const vkllm_wsi_ifns *w) {
#define HAVE(n) if (w->n == NULL) return 0;
	VKLLM_WSI_INSTANCE_FUNCS(HAVE)
#undef HAVE
	return 1;
}

int vkllm_wsi_device_complete(const vkllm_wsi_dfns *w) {
#define HAVE(n) if (w->n == NULL) return 0;
	VKLLM_WSI_DEVICE_FUNCS(HAVE)
#undef HAVE
	return 1;
}

uintptr_t vkllm_handle_of(const void *p) { return (uintptr_t)p; }
VkInstance vkllm_instance_from(uintptr_t h) { return (VkInstance)h; }
VkPhysicalDevice vkllm_physical_from(uintptr_t h) { return (VkPhysicalDevice)h; }
VkDevice vkllm_device_from(uintptr_t h) { return (VkDevice)h; }
VkSurfaceKHR vkllm_surface_from(uintptr_t h) { return (VkSurfaceKHR)h; }
uintptr_t vkllm_surface_handle(VkSurfaceKHR s) { return (uintptr_t)s; }

void vkllm_get_queue(vkllm_dfns *d, VkDevice dev, uint32_t family, uint32_t index, VkQueue *q) {
	d->vkGetDeviceQueue(dev, family, index, q);
}

VkResult vkllm_acquire(vkllm_wsi_dfns *w, VkDevice dev, VkSwapchainKHR sc, uint64_t timeout,
	VkSemaphore sem, uint32_t *index) {
	return w->vkAcquireNextImageKHR(dev, sc, timeout, sem, VK_NULL_HANDLE, index);
}

VkResult vkllm_present(vkllm_wsi_dfns *w, VkQueue q, VkSwapchainKHR sc, uint32_t index, VkSemaphore wait) {
	VkPresentInfoKHR pi = {VK_STRUCTURE_TYPE_PRESENT_INFO_KHR};
	pi.waitSemaphoreCount = 1;
	pi.pWaitSemaphores = &wait;
	pi.swapchainCount = 1;
	pi.pSwapchains = &sc;
	pi.pImageIndices = &index;
	return w->vkQueuePresentKHR(q, &pi);
}

void vkllm_image_barrier(vkllm_dfns *d, VkCommandBuffer cb, VkImage img, VkImageLayout from, VkImageLayout to,
	VkPipelineStageFlags src, VkPipelineStageFlags dst, VkAccessFlags srcA, VkAccessFlags dstA) {
	VkImageMemoryBarrier b = {VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER};
	b.srcAccessMask = srcA;
	b.dstAccessMask = dstA;
	b.oldLayout = from;
	b.newLayout = to;
	b.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
	b.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
	b.image = img;
	b.subresourceRange.aspectMask = VK_IMAGE_ASPECT_COLOR_BIT;
	b.subresourceRange.levelCount = 1;
	b.subresourceRange.layerCount = 1;
	d->vkCmdPipelineBarrier(cb, src, dst, 0, 0, NULL, 0, NULL, 1, &b);
}

static VkBufferImageCopy whole_image(VkDeviceSize off, uint32_t width, uint32_t height) {
	VkBufferImageCopy r = {0};
	r.bufferOffset = off;
	r.imageSubresource.aspectMask = VK_IMAGE_ASPECT_COLOR_BIT;
	r.imageSubresource.layerCount = 1;
	r.imageExtent.width = width;
	r.imageExtent.height = height;
	r.imageExtent.depth = 1;
	return r;
}

void vkllm_copy_to_image(vkllm_wsi_dfns *w, VkCommandBuffer cb, VkBuffer src, VkDeviceSize off,
	VkImage img, uint32_t width, uint32_t height) {
	VkBufferImageCopy r = whole_image(off, width, height);
	w->vkCmdCopyBufferToImage(cb, src, img, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &r);
}

void vkllm_copy_from_image(vkllm_wsi_dfns *w, VkCommandBuffer cb, VkImage img, uint32_t width, uint32_t height,
	VkBuffer dst, VkDeviceSize off) {
	VkBufferImageCopy r = whole_image(off, width, height);
	w->vkCmdCopyImageToBuffer(cb, img, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, dst, 1, &r);
}

static VkCompositeAlphaFlagBitsKHR pick_alpha(VkCompositeAlphaFlagsKHR have) {
	const VkCompositeAlphaFlagBitsKHR order[] = {VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR,
		VK_COMPOSITE_ALPHA_INHERIT_BIT_KHR, VK_COMPOSITE_ALPHA_PRE_MULTIPLIED_BIT_KHR,
		VK_COMPOSITE_ALPHA_POST_MULTIPLIED_BIT_KHR};
	for (int i = 0; i < 4; i++) {
		if (have & order[i]) return order[i];
	}
	return VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR;
}

VkResult vkllm_create_swapchain(vkllm_wsi_dfns *w, VkDevice dev, VkSurfaceKHR surface,
	const VkSurfaceCapabilitiesKHR *caps, VkSurfaceFormatKHR format, VkExtent2D extent,
	VkImageUsageFlags usage, VkSwapchainKHR old, VkSwapchainKHR *out) {
	uint32_t n = caps->minImageCount + 1;
	if (caps->maxImageCount != 0 && n > caps->maxImageCount) n = caps->maxImageCount;
	VkSwapchainCreateInfoKHR ci = {VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR};
	ci.surface = surface;
	ci.minImageCount = n;
	ci.imageFormat = format.format;
	ci.imageColorSpace = format.colorSpace;
	ci.imageExtent = extent;
	ci.imageArrayLayers = 1;
	ci.imageUsage = usage;
	ci.imageSharingMode = VK_SHARING_MODE_EXCLUSIVE;
	ci.preTransform = caps->currentTransform;
	ci.compositeAlpha = pick_alpha(caps->supportedCompositeAlpha);
	ci.presentMode = VK_PRESENT_MODE_FIFO_KHR; // the one mode every implementation offers
	ci.clipped = VK_TRUE;
	ci.oldSwapchain = old;
	return w->vkCreateSwapchainKHR(dev, &ci, NULL, out);
}

void vkllm_wsi_destroy_surface(vkllm_wsi_ifns *w, VkInstance inst, VkSurfaceKHR s) {
	w->vkDestroySurfaceKHR(inst, s, NULL);
}

void vkllm_wsi_destroy_swapchain(vkllm_wsi_dfns *w, VkDevice dev, VkSwapchainKHR sc) {
	w->vkDestroySwapchainKHR(dev, sc, NULL);
}

VkResult vkllm_surface_support(vkllm_wsi_ifns *w, VkPhysicalDevice pd, uint32_t family, VkSurfaceKHR s, VkBool32 *out) {
	return w->vkGetPhysicalDeviceSurfaceSupportKHR(pd, family, s, out);
}

VkResult vkllm_surface_caps(vkllm_wsi_ifns *w, VkPhysicalDevice pd, VkSurfaceKHR s, VkSurfaceCapabilitiesKHR *out) {
	return w->vkGetPhysicalDeviceSurfaceCapabilitiesKHR(pd, s, out);
}

VkResult vkllm_surface_formats(vkllm_wsi_ifns *w, VkPhysicalDevice pd, VkSurfaceKHR s, uint32_t *n, VkSurfaceFormatKHR *out) {
	return w->vkGetPhysicalDeviceSurfaceFormatsKHR(pd, s, n, out);
}

VkResult vkllm_swapchain_images(vkllm_wsi_dfns *w, VkDevice dev, VkSwapchainKHR sc, uint32_t *n, VkImage *out) {
	return w->vkGetSwapchainImagesKHR(dev, sc, n, out);
}
