// vk.c holds the C half of the binding: dlopen of the loader, entry-point
// tables, pNext chains and the call wrappers declared in vkbind.h.
#include <dlfcn.h>
#include <stddef.h>
#include "vkbind.h"

static PFN_vkGetInstanceProcAddr gipa;

// vkllm_open loads the Vulkan loader; it returns NULL on success or a
// malloc'd message (dlerror text) the caller frees.
const char *vkllm_open(const char *lib) {
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		const char *e = dlerror();
		return strdup(e ? e : "dlopen failed");
	}
	PFN_vkGetInstanceProcAddr p = (PFN_vkGetInstanceProcAddr)dlsym(h, "vkGetInstanceProcAddr");
	if (p == NULL) {
		dlclose(h);
		return strdup("vkGetInstanceProcAddr not found in loader");
	}
	gipa = p;
	return NULL;
}

uint32_t vkllm_instance_version(void) {
	PFN_vkEnumerateInstanceVersion f =
		(PFN_vkEnumerateInstanceVersion)gipa(NULL, "vkEnumerateInstanceVersion");
	uint32_t v = VK_API_VERSION_1_0;
	if (f != NULL && f(&v) != VK_SUCCESS) {
		v = VK_API_VERSION_1_0;
	}
	return v;
}

VkResult vkllm_enum_layers(uint32_t *n, VkLayerProperties *out) {
	PFN_vkEnumerateInstanceLayerProperties f =
		(PFN_vkEnumerateInstanceLayerProperties)gipa(NULL, "vkEnumerateInstanceLayerProperties");
	return f(n, out);
}

VkResult vkllm_enum_instance_exts(uint32_t *n, VkExtensionProperties *out) {
	PFN_vkEnumerateInstanceExtensionProperties f =
		(PFN_vkEnumerateInstanceExtensionProperties)gipa(NULL, "vkEnumerateInstanceExtensionProperties");
	return f(NULL, n, out);
}

VkResult vkllm_create_instance(const VkInstanceCreateInfo *ci, VkInstance *out) {
	PFN_vkCreateInstance f = (PFN_vkCreateInstance)gipa(NULL, "vkCreateInstance");
	return f(ci, NULL, out);
}

vkllm_ifns *vkllm_load_instance(VkInstance inst) {
	vkllm_ifns *f = calloc(1, sizeof(*f));
	if (f == NULL) return NULL;
#define LOAD(n) f->n = (PFN_##n)gipa(inst, #n);
	VKLLM_INSTANCE_FUNCS(LOAD)
#undef LOAD
	return f;
}

// vkllm_load_device resolves device entry points; with khrTimeline the
// timeline-semaphore calls come from VK_KHR_timeline_semaphore (pre-1.2).
vkllm_dfns *vkllm_load_device(vkllm_ifns *f, VkDevice dev, int khrTimeline) {
	vkllm_dfns *d = calloc(1, sizeof(*d));
	if (d == NULL) return NULL;
#define LOAD(n) d->n = (PFN_##n)f->vkGetDeviceProcAddr(dev, #n);
	VKLLM_DEVICE_FUNCS(LOAD)
#undef LOAD
	if (khrTimeline) {
		d->vkWaitSemaphores = (PFN_vkWaitSemaphores)f->vkGetDeviceProcAddr(dev, "vkWaitSemaphoresKHR");
		d->vkSignalSemaphore = (PFN_vkSignalSemaphore)f->vkGetDeviceProcAddr(dev, "vkSignalSemaphoreKHR");
		d->vkGetSemaphoreCounterValue =
			(PFN_vkGetSemaphoreCounterValue)f->vkGetDeviceProcAddr(dev, "vkGetSemaphoreCounterValueKHR");
	}
	return d;
}

extern VkBool32 vkllmDebugMessage(uintptr_t handle, int severity, int types, char *id, char *msg);

static VKAPI_ATTR VkBool32 VKAPI_CALL debug_cb(VkDebugUtilsMessageSeverityFlagBitsEXT sev,
	VkDebugUtilsMessageTypeFlagsEXT types, const VkDebugUtilsMessengerCallbackDataEXT *data, void *user) {
	return vkllmDebugMessage((uintptr_t)user, (int)sev, (int)types,
		(char *)(data->pMessageIdName ? data->pMessageIdName : ""),
		(char *)(data->pMessage ? data->pMessage : ""));
}

VkResult vkllm_create_messenger(vkllm_ifns *f, VkInstance inst, uintptr_t handle, VkDebugUtilsMessengerEXT *out) {
	if (f->vkCreateDebugUtilsMessengerEXT == NULL) return VK_ERROR_EXTENSION_NOT_PRESENT;
	VkDebugUtilsMessengerCreateInfoEXT ci = {VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
	ci.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
		VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_INFO_BIT_EXT;
	ci.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
		VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
	ci.pfnUserCallback = debug_cb;
	ci.pUserData = (void *)handle;
	return f->vkCreateDebugUtilsMessengerEXT(inst, &ci, NULL, out);
}

// vkllm_new_features allocates the whole feature chain at once and links
// the structs selected by mask behind VkPhysicalDeviceFeatures2.
vkllm_features *vkllm_new_features(uint32_t mask) {
	vkllm_features *c = calloc(1, sizeof(*c));
	if (c == NULL) return NULL;
	c->f2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
	c->s16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES;
	c->f16i8.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES;
	c->s8.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES;
	c->timeline.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_TIMELINE_SEMAPHORE_FEATURES;
	c->sgsc.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES;
	c->dot.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES;
	void **next = &c->f2.pNext;
#define LINK(bit, s) if (mask & bit) { *next = &c->s; next = &c->s.pNext; }
	LINK(VKLLM_S16, s16) LINK(VKLLM_F16I8, f16i8) LINK(VKLLM_S8, s8)
	LINK(VKLLM_TIMELINE, timeline) LINK(VKLLM_SGSC, sgsc) LINK(VKLLM_DOT, dot)
#undef LINK
	return c;
}

// vkllm_clear_features zeroes every feature flag but keeps sType/pNext, so
// the caller can switch on only what it wants to enable.
void vkllm_clear_features(vkllm_features *c) {
	memset(&c->f2.features, 0, sizeof(c->f2.features));
#define CLR(s, first) memset(&c->s.first, 0, sizeof(c->s) - offsetof(__typeof__(c->s), first));
	CLR(s16, storageBuffer16BitAccess) CLR(f16i8, shaderFloat16) CLR(s8, storageBuffer8BitAccess)
	CLR(timeline, timelineSemaphore) CLR(sgsc, subgroupSizeControl) CLR(dot, shaderIntegerDotProduct)
#undef CLR
}

void vkllm_get_features(vkllm_ifns *f, VkPhysicalDevice pd, vkllm_features *out) {
	f->vkGetPhysicalDeviceFeatures2(pd, &out->f2);
}

vkllm_props *vkllm_get_props(vkllm_ifns *f, VkPhysicalDevice pd, uint32_t mask) {
	vkllm_props *p = calloc(1, sizeof(*p));
	if (p == NULL) return NULL;
	p->p2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
	p->driver.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES;
	p->subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
	p->sgsc.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES;
	void **next = &p->p2.pNext;
	p->m3.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES;
	*next = &p->subgroup; next = &p->subgroup.pNext;
	*next = &p->m3; next = &p->m3.pNext;
	if (mask & VKLLM_DRIVER) { *next = &p->driver; next = &p->driver.pNext; }
	if (mask & VKLLM_SGSC) { *next = &p->sgsc; next = &p->sgsc.pNext; }
	f->vkGetPhysicalDeviceProperties2(pd, &p->p2);
	vkllm_get_memory(f, pd, mask, p);
	return p;
}

void vkllm_get_memory(vkllm_ifns *f, VkPhysicalDevice pd, uint32_t mask, vkllm_props *p) {
	p->m2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2;
	p->budget.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT;
	p->m2.pNext = (mask & VKLLM_BUDGET) ? &p->budget : NULL;
	p->budget.pNext = NULL;
	f->vkGetPhysicalDeviceMemoryProperties2(pd, &p->m2);
}

VkResult vkllm_create_device(vkllm_ifns *f, VkPhysicalDevice pd, uint32_t family,
	vkllm_features *feat, const char **exts, uint32_t nexts, VkDevice *out) {
	float prio = 1.0f;
	VkDeviceQueueCreateInfo q = {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
	q.queueFamilyIndex = family;
	q.queueCount = 1;
	q.pQueuePriorities = &prio;
	VkDeviceCreateInfo ci = {VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
	ci.pNext = &feat->f2;
	ci.queueCreateInfoCount = 1;
	ci.pQueueCreateInfos = &q;
	ci.enabledExtensionCount = nexts;
	ci.ppEnabledExtensionNames = exts;
	return f->vkCreateDevice(pd, &ci, NULL, out);
}

void vkllm_dispatch(vkllm_dfns *d, VkCommandBuffer cb, VkPipeline p, VkPipelineLayout l,
	VkDescriptorSet s, const void *push, uint32_t pushSize, uint32_t x, uint32_t y, uint32_t z) {
	d->vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, p);
	if (s != VK_NULL_HANDLE) {
		d->vkCmdBindDescriptorSets(cb, VK_PIPELINE_BIND_POINT_COMPUTE, l, 0, 1, &s, 0, NULL);
	}
	if (pushSize > 0) {
		d->vkCmdPushConstants(cb, l, VK_SHADER_STAGE_COMPUTE_BIT, 0, pushSize, push);
	}
	d->vkCmdDispatch(cb, x, y, z);
}

void vkllm_barrier(vkllm_dfns *d, VkCommandBuffer cb, VkPipelineStageFlags src, VkPipelineStageFlags dst,
	VkAccessFlags srcA, VkAccessFlags dstA) {
	VkMemoryBarrier b = {VK_STRUCTURE_TYPE_MEMORY_BARRIER};
	b.srcAccessMask = srcA;
	b.dstAccessMask = dstA;
	d->vkCmdPipelineBarrier(cb, src, dst, 0, 1, &b, 0, NULL, 0, NULL);
}

void vkllm_buffer_barrier(vkllm_dfns *d, VkCommandBuffer cb, VkBuffer buf, VkDeviceSize off, VkDeviceSize size,
	VkPipelineStageFlags src, VkPipelineStageFlags dst, VkAccessFlags srcA, VkAccessFlags dstA) {
	VkBufferMemoryBarrier b = {VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER};
	b.srcAccessMask = srcA;
	b.dstAccessMask = dstA;
	b.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
	b.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
	b.buffer = buf;
	b.offset = off;
	b.size = size;
	d->vkCmdPipelineBarrier(cb, src, dst, 0, 0, NULL, 1, &b, 0, NULL);
}

void vkllm_copy(vkllm_dfns *d, VkCommandBuffer cb, VkBuffer src, VkBuffer dst,
	VkDeviceSize srcOff, VkDeviceSize dstOff, VkDeviceSize size) {
	VkBufferCopy r = {srcOff, dstOff, size};
	d->vkCmdCopyBuffer(cb, src, dst, 1, &r);
}

VkResult vkllm_begin(vkllm_dfns *d, VkCommandBuffer cb, int reusable) {
	VkResult r = d->vkResetCommandBuffer(cb, 0);
	if (r != VK_SUCCESS) return r;
	VkCommandBufferBeginInfo bi = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
	bi.flags = reusable ? 0 : VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
	return d->vkBeginCommandBuffer(cb, &bi);
}

// vkllm_submit submits one command buffer. When they are not null it waits
// for the binary semaphore wait at the transfer stage (a frame is copied in)
// and signals the binary semaphore signal; with a timeline semaphore it also
// signals timelineValue on it. Binary semaphores take the value 0 in the
// timeline submit info, whose arrays cover every semaphore of the submit.
VkResult vkllm_submit(vkllm_dfns *d, VkQueue q, VkCommandBuffer cb, VkFence fence,
	VkSemaphore wait, VkSemaphore signal, VkSemaphore timeline, uint64_t timelineValue) {
	VkPipelineStageFlags stage = VK_PIPELINE_STAGE_TRANSFER_BIT;
	uint64_t waitValue = 0;
	VkSemaphore sigs[2];
	uint64_t sigValues[2];
	uint32_t nsig = 0;
	VkTimelineSemaphoreSubmitInfo ts = {VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO};
	VkSubmitInfo si = {VK_STRUCTURE_TYPE_SUBMIT_INFO};
	si.commandBufferCount = 1;
	si.pCommandBuffers = &cb;
	if (wait != VK_NULL_HANDLE) {
		si.waitSemaphoreCount = 1;
		si.pWaitSemaphores = &wait;
		si.pWaitDstStageMask = &stage;
		ts.waitSemaphoreValueCount = 1;
		ts.pWaitSemaphoreValues = &waitValue;
	}
	if (signal != VK_NULL_HANDLE) {
		sigs[nsig] = signal;
		sigValues[nsig++] = 0;
	}
	if (timeline != VK_NULL_HANDLE) {
		sigs[nsig] = timeline;
		sigValues[nsig++] = timelineValue;
		ts.signalSemaphoreValueCount = nsig;
		ts.pSignalSemaphoreValues = sigValues;
		si.pNext = &ts;
	}
	si.signalSemaphoreCount = nsig;
	si.pSignalSemaphores = sigs;
	return d->vkQueueSubmit(q, 1, &si, fence);
}

VkResult vkllm_wait_fence(vkllm_dfns *d, VkDevice dev, VkFence f, uint64_t timeout) {
	return d->vkWaitForFences(dev, 1, &f, VK_TRUE, timeout);
}

VkResult vkllm_reset_fence(vkllm_dfns *d, VkDevice dev, VkFence f) {
	return d->vkResetFences(dev, 1, &f);
}

VkResult vkllm_wait_semaphore(vkllm_dfns *d, VkDevice dev, VkSemaphore s, uint64_t value, uint64_t timeout) {
	VkSemaphoreWaitInfo wi = {VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO};
	wi.semaphoreCount = 1;
	wi.pSemaphores = &s;
	wi.pValues = &value;
	return d->vkWaitSemaphores(dev, &wi, timeout);
}

VkResult vkllm_signal_semaphore(vkllm_dfns *d, VkDevice dev, VkSemaphore s, uint64_t value) {
	VkSemaphoreSignalInfo si = {VK_STRUCTURE_TYPE_SEMAPHORE_SIGNAL_INFO};
	si.semaphore = s;
	si.value = value;
	return d->vkSignalSemaphore(dev, &si);
}

#define VKLLM_CALL(ret, name, params, call) ret vkllm_##name params { return call; }
#define VKLLM_VOID(name, params, call) void vkllm_##name params { call; }
#include "vkcalls.h"

// vkllm_gipa exposes the loader's entry point to the optional tables in
// wsi.c, which load only when an application asks for presentation.
PFN_vkGetInstanceProcAddr vkllm_gipa(void) { return gipa; }
