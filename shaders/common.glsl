// common.glsl: helpers shared by every kernel. Include-only.
//
// Expects the includer to declare `layout(constant_id = 0) const uint WG`
// and `layout(local_size_x_id = 0) in;` (the workgroup size).

// wg_linear returns the workgroup's index in a 2-D dispatch grid. Large
// problems split their workgroups over x and y because
// maxComputeWorkGroupCount[0] may be as small as 65535.
uint wg_linear() {
	return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
}

// global_linear returns the invocation's index over the whole 2-D grid.
uint global_linear() {
	return wg_linear() * WG + gl_LocalInvocationIndex;
}

// unpack_f16x4 turns four fp16 values packed in a uvec2 into floats without
// any 16-bit feature (Vulkan 1.1 core).
vec4 unpack_f16x4(uvec2 v) {
	return vec4(unpackHalf2x16(v.x), unpackHalf2x16(v.y));
}

// unpack_i8x4 sign-extends the four bytes of q (little-endian) to floats.
vec4 unpack_i8x4(uint q) {
	int s = int(q);
	return vec4(bitfieldExtract(s, 0, 8), bitfieldExtract(s, 8, 8),
	            bitfieldExtract(s, 16, 8), bitfieldExtract(s, 24, 8));
}
