// vkbind.h declares the C side of the binding: the dlopen loader, the tables
// of entry points resolved through vkGetInstanceProcAddr/vkGetDeviceProcAddr,
// pNext chain builders, and one-line call wrappers (cgo cannot call function
// pointers). Only declarations live here so any Go file may include it.
#ifndef VKLLM_VKBIND_H
#define VKLLM_VKBIND_H

#define VK_NO_PROTOTYPES 1
#include <vulkan/vulkan.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#define VKLLM_INSTANCE_FUNCS(X) \
	X(vkDestroyInstance) \
	X(vkEnumeratePhysicalDevices) \
	X(vkGetPhysicalDeviceProperties2) \
	X(vkGetPhysicalDeviceFeatures2) \
	X(vkGetPhysicalDeviceMemoryProperties2) \
	X(vkGetPhysicalDeviceQueueFamilyProperties) \
	X(vkGetPhysicalDeviceFormatProperties) \
	X(vkEnumerateDeviceExtensionProperties) \
	X(vkCreateDevice) \
	X(vkGetDeviceProcAddr) \
	X(vkCreateDebugUtilsMessengerEXT) \
	X(vkDestroyDebugUtilsMessengerEXT)

#define VKLLM_DEVICE_FUNCS(X) \
	X(vkDestroyDevice) X(vkGetDeviceQueue) X(vkDeviceWaitIdle) X(vkQueueSubmit) \
	X(vkCreateBuffer) X(vkDestroyBuffer) X(vkGetBufferMemoryRequirements) X(vkBindBufferMemory) \
	X(vkCreateBufferView) X(vkDestroyBufferView) \
	X(vkAllocateMemory) X(vkFreeMemory) X(vkMapMemory) X(vkUnmapMemory) \
	X(vkCreateShaderModule) X(vkDestroyShaderModule) \
	X(vkCreateDescriptorSetLayout) X(vkDestroyDescriptorSetLayout) \
	X(vkCreatePipelineLayout) X(vkDestroyPipelineLayout) \
	X(vkCreateComputePipelines) X(vkDestroyPipeline) \
	X(vkCreatePipelineCache) X(vkDestroyPipelineCache) X(vkGetPipelineCacheData) \
	X(vkCreateDescriptorPool) X(vkDestroyDescriptorPool) X(vkAllocateDescriptorSets) \
	X(vkFreeDescriptorSets) X(vkUpdateDescriptorSets) \
	X(vkCreateCommandPool) X(vkDestroyCommandPool) X(vkAllocateCommandBuffers) \
	X(vkResetCommandBuffer) X(vkBeginCommandBuffer) X(vkEndCommandBuffer) \
	X(vkCmdBindPipeline) X(vkCmdBindDescriptorSets) X(vkCmdPushConstants) X(vkCmdDispatch) \
	X(vkCmdPipelineBarrier) X(vkCmdCopyBuffer) X(vkCmdFillBuffer) \
	X(vkCmdResetQueryPool) X(vkCmdWriteTimestamp) \
	X(vkCreateFence) X(vkDestroyFence) X(vkWaitForFences) X(vkResetFences) X(vkGetFenceStatus) \
	X(vkCreateQueryPool) X(vkDestroyQueryPool) X(vkGetQueryPoolResults) \
	X(vkCreateSemaphore) X(vkDestroySemaphore) \
	X(vkWaitSemaphores) X(vkSignalSemaphore) X(vkGetSemaphoreCounterValue)

#define VKLLM_FIELD(n) PFN_##n n;
typedef struct { VKLLM_INSTANCE_FUNCS(VKLLM_FIELD) } vkllm_ifns;
typedef struct { VKLLM_DEVICE_FUNCS(VKLLM_FIELD) } vkllm_dfns;
#undef VKLLM_FIELD

// Loader.
const char *vkllm_open(const char *lib);
uint32_t vkllm_instance_version(void);
VkResult vkllm_enum_layers(uint32_t *n, VkLayerProperties *out);
VkResult vkllm_enum_instance_exts(uint32_t *n, VkExtensionProperties *out);
VkResult vkllm_create_instance(const VkInstanceCreateInfo *ci, VkInstance *out);
vkllm_ifns *vkllm_load_instance(VkInstance inst);
vkllm_dfns *vkllm_load_device(vkllm_ifns *f, VkDevice dev, int khrTimeline);

// Debug messenger; the callback forwards to Go through an integer handle.
VkResult vkllm_create_messenger(vkllm_ifns *f, VkInstance inst, uintptr_t handle, VkDebugUtilsMessengerEXT *out);

// pNext chains, built and linked in one C allocation each.
enum {
	VKLLM_S16 = 1, VKLLM_F16I8 = 2, VKLLM_S8 = 4, VKLLM_TIMELINE = 8,
	VKLLM_SGSC = 16, VKLLM_DOT = 32, VKLLM_DRIVER = 64, VKLLM_BUDGET = 128
};
typedef struct {
	VkPhysicalDeviceFeatures2 f2;
	VkPhysicalDevice16BitStorageFeatures s16;
	VkPhysicalDeviceShaderFloat16Int8Features f16i8;
	VkPhysicalDevice8BitStorageFeatures s8;
	VkPhysicalDeviceTimelineSemaphoreFeatures timeline;
	VkPhysicalDeviceSubgroupSizeControlFeatures sgsc;
	VkPhysicalDeviceShaderIntegerDotProductFeatures dot;
} vkllm_features;
typedef struct {
	VkPhysicalDeviceProperties2 p2;
	VkPhysicalDeviceDriverProperties driver;
	VkPhysicalDeviceSubgroupProperties subgroup;
	VkPhysicalDeviceSubgroupSizeControlProperties sgsc;
	VkPhysicalDeviceMaintenance3Properties m3;
	VkPhysicalDeviceMemoryProperties2 m2;
	VkPhysicalDeviceMemoryBudgetPropertiesEXT budget;
} vkllm_props;
vkllm_features *vkllm_new_features(uint32_t mask);
void vkllm_clear_features(vkllm_features *f);
void vkllm_get_features(vkllm_ifns *f, VkPhysicalDevice pd, vkllm_features *out);
vkllm_props *vkllm_get_props(vkllm_ifns *f, VkPhysicalDevice pd, uint32_t mask);
void vkllm_get_memory(vkllm_ifns *f, VkPhysicalDevice pd, uint32_t mask, vkllm_props *p);
VkResult vkllm_create_device(vkllm_ifns *f, VkPhysicalDevice pd, uint32_t family,
	vkllm_features *feat, const char **exts, uint32_t nexts, VkDevice *out);

// Hot-path wrappers: each builds its structs on the C stack and allocates nothing.
void vkllm_dispatch(vkllm_dfns *d, VkCommandBuffer cb, VkPipeline p, VkPipelineLayout l,
	VkDescriptorSet s, const void *push, uint32_t pushSize, uint32_t x, uint32_t y, uint32_t z);
void vkllm_barrier(vkllm_dfns *d, VkCommandBuffer cb, VkPipelineStageFlags src, VkPipelineStageFlags dst,
	VkAccessFlags srcA, VkAccessFlags dstA);
void vkllm_buffer_barrier(vkllm_dfns *d, VkCommandBuffer cb, VkBuffer b, VkDeviceSize off, VkDeviceSize size,
	VkPipelineStageFlags src, VkPipelineStageFlags dst, VkAccessFlags srcA, VkAccessFlags dstA);
void vkllm_copy(vkllm_dfns *d, VkCommandBuffer cb, VkBuffer src, VkBuffer dst,
	VkDeviceSize srcOff, VkDeviceSize dstOff, VkDeviceSize size);
VkResult vkllm_begin(vkllm_dfns *d, VkCommandBuffer cb, int reusable);
VkResult vkllm_submit(vkllm_dfns *d, VkQueue q, VkCommandBuffer cb, VkFence fence,
	VkSemaphore wait, VkSemaphore signal, VkSemaphore timeline, uint64_t timelineValue);
VkResult vkllm_wait_fence(vkllm_dfns *d, VkDevice dev, VkFence f, uint64_t timeout);
VkResult vkllm_reset_fence(vkllm_dfns *d, VkDevice dev, VkFence f);
VkResult vkllm_wait_semaphore(vkllm_dfns *d, VkDevice dev, VkSemaphore s, uint64_t value, uint64_t timeout);
VkResult vkllm_signal_semaphore(vkllm_dfns *d, VkDevice dev, VkSemaphore s, uint64_t value);

// Plain one-line wrappers for the rest.
#define VKLLM_CALL(ret, name, params, call) ret vkllm_##name params;
#include "vkcalls.h"
#undef VKLLM_CALL

#endif
