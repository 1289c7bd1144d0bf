// vkcalls.h lists the plain call wrappers as X-macros: VKLLM_CALL for calls
// that return a VkResult, VKLLM_VOID for the rest. vkbind.h turns them into
// declarations, vk.c into definitions. Allocation callbacks are always NULL.
#ifndef VKLLM_VOID
#define VKLLM_VOID(name, params, call) void vkllm_##name params;
#define VKLLM_VOID_LOCAL 1
#endif
#define D vkllm_dfns *d, VkDevice dev
#define I vkllm_ifns *f
VKLLM_VOID(DestroyInstance, (I, VkInstance inst), f->vkDestroyInstance(inst, NULL))
VKLLM_CALL(VkResult, EnumeratePhysicalDevices, (I, VkInstance inst, uint32_t *n, VkPhysicalDevice *out),
	f->vkEnumeratePhysicalDevices(inst, n, out))
VKLLM_VOID(GetPhysicalDeviceQueueFamilyProperties, (I, VkPhysicalDevice pd, uint32_t *n, VkQueueFamilyProperties *out),
	f->vkGetPhysicalDeviceQueueFamilyProperties(pd, n, out))
VKLLM_VOID(GetPhysicalDeviceFormatProperties, (I, VkPhysicalDevice pd, VkFormat fmt, VkFormatProperties *out),
	f->vkGetPhysicalDeviceFormatProperties(pd, fmt, out))
VKLLM_CALL(VkResult, EnumerateDeviceExtensionProperties, (I, VkPhysicalDevice pd, uint32_t *n, VkExtensionProperties *out),
	f->vkEnumerateDeviceExtensionProperties(pd, NULL, n, out))
VKLLM_VOID(DestroyDebugUtilsMessengerEXT, (I, VkInstance inst, VkDebugUtilsMessengerEXT m),
	f->vkDestroyDebugUtilsMessengerEXT(inst, m, NULL))

VKLLM_VOID(DestroyDevice, (D), d->vkDestroyDevice(dev, NULL))
VKLLM_VOID(GetDeviceQueue, (D, uint32_t family, VkQueue *q), d->vkGetDeviceQueue(dev, family, 0, q))
VKLLM_CALL(VkResult, DeviceWaitIdle, (D), d->vkDeviceWaitIdle(dev))
VKLLM_CALL(VkResult, CreateBuffer, (D, const VkBufferCreateInfo *ci, VkBuffer *out), d->vkCreateBuffer(dev, ci, NULL, out))
VKLLM_VOID(DestroyBuffer, (D, VkBuffer b), d->vkDestroyBuffer(dev, b, NULL))
VKLLM_VOID(GetBufferMemoryRequirements, (D, VkBuffer b, VkMemoryRequirements *out),
	d->vkGetBufferMemoryRequirements(dev, b, out))
VKLLM_CALL(VkResult, BindBufferMemory, (D, VkBuffer b, VkDeviceMemory m, VkDeviceSize off),
	d->vkBindBufferMemory(dev, b, m, off))
VKLLM_CALL(VkResult, AllocateMemory, (D, const VkMemoryAllocateInfo *ai, VkDeviceMemory *out),
	d->vkAllocateMemory(dev, ai, NULL, out))
VKLLM_VOID(FreeMemory, (D, VkDeviceMemory m), d->vkFreeMemory(dev, m, NULL))
VKLLM_CALL(VkResult, MapMemory, (D, VkDeviceMemory m, void **out), d->vkMapMemory(dev, m, 0, VK_WHOLE_SIZE, 0, out))
VKLLM_VOID(UnmapMemory, (D, VkDeviceMemory m), d->vkUnmapMemory(dev, m))
VKLLM_CALL(VkResult, CreateBufferView, (D, const VkBufferViewCreateInfo *ci, VkBufferView *out),
	d->vkCreateBufferView(dev, ci, NULL, out))
VKLLM_VOID(DestroyBufferView, (D, VkBufferView v), d->vkDestroyBufferView(dev, v, NULL))
VKLLM_CALL(VkResult, CreateShaderModule, (D, const VkShaderModuleCreateInfo *ci, VkShaderModule *out),
	d->vkCreateShaderModule(dev, ci, NULL, out))
VKLLM_VOID(DestroyShaderModule, (D, VkShaderModule m), d->vkDestroyShaderModule(dev, m, NULL))
VKLLM_CALL(VkResult, CreateDescriptorSetLayout, (D, const VkDescriptorSetLayoutCreateInfo *ci, VkDescriptorSetLayout *out),
	d->vkCreateDescriptorSetLayout(dev, ci, NULL, out))
VKLLM_VOID(DestroyDescriptorSetLayout, (D, VkDescriptorSetLayout l), d->vkDestroyDescriptorSetLayout(dev, l, NULL))
VKLLM_CALL(VkResult, CreatePipelineLayout, (D, const VkPipelineLayoutCreateInfo *ci, VkPipelineLayout *out),
	d->vkCreatePipelineLayout(dev, ci, NULL, out))
VKLLM_VOID(DestroyPipelineLayout, (D, VkPipelineLayout l), d->vkDestroyPipelineLayout(dev, l, NULL))
VKLLM_CALL(VkResult, CreateComputePipelines, (D, VkPipelineCache c, const VkComputePipelineCreateInfo *ci, VkPipeline *out),
	d->vkCreateComputePipelines(dev, c, 1, ci, NULL, out))
VKLLM_VOID(DestroyPipeline, (D, VkPipeline p), d->vkDestroyPipeline(dev, p, NULL))
VKLLM_CALL(VkResult, CreatePipelineCache, (D, const VkPipelineCacheCreateInfo *ci, VkPipelineCache *out),
	d->vkCreatePipelineCache(dev, ci, NULL, out))
VKLLM_VOID(DestroyPipelineCache, (D, VkPipelineCache c), d->vkDestroyPipelineCache(dev, c, NULL))
VKLLM_CALL(VkResult, GetPipelineCacheData, (D, VkPipelineCache c, size_t *n, void *out),
	d->vkGetPipelineCacheData(dev, c, n, out))
VKLLM_CALL(VkResult, CreateDescriptorPool, (D, const VkDescriptorPoolCreateInfo *ci, VkDescriptorPool *out),
	d->vkCreateDescriptorPool(dev, ci, NULL, out))
VKLLM_VOID(DestroyDescriptorPool, (D, VkDescriptorPool p), d->vkDestroyDescriptorPool(dev, p, NULL))
VKLLM_CALL(VkResult, AllocateDescriptorSets, (D, const VkDescriptorSetAllocateInfo *ai, VkDescriptorSet *out),
	d->vkAllocateDescriptorSets(dev, ai, out))
VKLLM_CALL(VkResult, FreeDescriptorSet, (D, VkDescriptorPool p, VkDescriptorSet s),
	d->vkFreeDescriptorSets(dev, p, 1, &s))
VKLLM_VOID(UpdateDescriptorSets, (D, uint32_t n, const VkWriteDescriptorSet *w),
	d->vkUpdateDescriptorSets(dev, n, w, 0, NULL))
VKLLM_CALL(VkResult, CreateCommandPool, (D, const VkCommandPoolCreateInfo *ci, VkCommandPool *out),
	d->vkCreateCommandPool(dev, ci, NULL, out))
VKLLM_VOID(DestroyCommandPool, (D, VkCommandPool p), d->vkDestroyCommandPool(dev, p, NULL))
VKLLM_CALL(VkResult, AllocateCommandBuffers, (D, const VkCommandBufferAllocateInfo *ai, VkCommandBuffer *out),
	d->vkAllocateCommandBuffers(dev, ai, out))
VKLLM_CALL(VkResult, EndCommandBuffer, (vkllm_dfns *d, VkCommandBuffer cb), d->vkEndCommandBuffer(cb))
VKLLM_VOID(CmdFillBuffer, (vkllm_dfns *d, VkCommandBuffer cb, VkBuffer b, VkDeviceSize off, VkDeviceSize size, uint32_t v),
	d->vkCmdFillBuffer(cb, b, off, size, v))
VKLLM_VOID(CmdResetQueryPool, (vkllm_dfns *d, VkCommandBuffer cb, VkQueryPool p, uint32_t first, uint32_t n),
	d->vkCmdResetQueryPool(cb, p, first, n))
VKLLM_VOID(CmdWriteTimestamp, (vkllm_dfns *d, VkCommandBuffer cb, VkPipelineStageFlagBits stage, VkQueryPool p, uint32_t q),
	d->vkCmdWriteTimestamp(cb, stage, p, q))
VKLLM_CALL(VkResult, CreateFence, (D, const VkFenceCreateInfo *ci, VkFence *out), d->vkCreateFence(dev, ci, NULL, out))
VKLLM_VOID(DestroyFence, (D, VkFence f), d->vkDestroyFence(dev, f, NULL))
VKLLM_CALL(VkResult, GetFenceStatus, (D, VkFence f), d->vkGetFenceStatus(dev, f))
VKLLM_CALL(VkResult, CreateQueryPool, (D, const VkQueryPoolCreateInfo *ci, VkQueryPool *out),
	d->vkCreateQueryPool(dev, ci, NULL, out))
VKLLM_VOID(DestroyQueryPool, (D, VkQueryPool p), d->vkDestroyQueryPool(dev, p, NULL))
VKLLM_CALL(VkResult, GetQueryPoolResults, (D, VkQueryPool p, uint32_t first, uint32_t n, uint64_t *out),
	d->vkGetQueryPoolResults(dev, p, first, n, (size_t)n * 16, out, 16,
		VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WITH_AVAILABILITY_BIT))
VKLLM_CALL(VkResult, CreateSemaphore, (D, const VkSemaphoreCreateInfo *ci, VkSemaphore *out),
	d->vkCreateSemaphore(dev, ci, NULL, out))
VKLLM_VOID(DestroySemaphore, (D, VkSemaphore s), d->vkDestroySemaphore(dev, s, NULL))
VKLLM_CALL(VkResult, GetSemaphoreCounterValue, (D, VkSemaphore s, uint64_t *out),
	d->vkGetSemaphoreCounterValue(dev, s, out))
#undef D
#undef I
#ifdef VKLLM_VOID_LOCAL
#undef VKLLM_VOID
#undef VKLLM_VOID_LOCAL
#endif
