// reduce.glsl: workgroup reductions of RED_N floats per invocation.
// Include-only.
//
// Expects the includer to declare WG (workgroup size, a power of two) and
// RED_N (values reduced at once), both constants. Defining SUBGROUP selects
// subgroup arithmetic (GL_KHR_shader_subgroup_arithmetic) with one shared
// memory step across subgroups; otherwise a shared-memory tree is used,
// which needs only Vulkan 1.1 core.
//
// Every invocation of the workgroup must call red_sum/red_max (they contain
// barriers); afterwards red_v holds the totals in every invocation.

#ifdef SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif

shared float red_sh[RED_N * WG];
float red_v[RED_N];

float red_combine(float a, float b, bool is_max) {
	return is_max ? max(a, b) : a + b;
}

#ifdef SUBGROUP
void red_run(bool is_max) {
	for (uint k = 0; k < RED_N; k++) {
		red_v[k] = is_max ? subgroupMax(red_v[k]) : subgroupAdd(red_v[k]);
	}
	if (gl_NumSubgroups == 1) {
		return;
	}
	if (subgroupElect()) {
		for (uint k = 0; k < RED_N; k++) {
			red_sh[k * WG + gl_SubgroupID] = red_v[k];
		}
	}
	barrier();
	for (uint k = 0; k < RED_N; k++) {
		float t = red_sh[k * WG];
		for (uint i = 1; i < gl_NumSubgroups; i++) {
			t = red_combine(t, red_sh[k * WG + i], is_max);
		}
		red_v[k] = t;
	}
	// Keep the next reduction from overwriting values still being read.
	barrier();
}
#else
void red_run(bool is_max) {
	uint lid = gl_LocalInvocationIndex;
	for (uint k = 0; k < RED_N; k++) {
		red_sh[k * WG + lid] = red_v[k];
	}
	barrier();
	for (uint s = WG / 2; s > 0; s >>= 1) {
		if (lid < s) {
			for (uint k = 0; k < RED_N; k++) {
				red_sh[k * WG + lid] = red_combine(red_sh[k * WG + lid], red_sh[k * WG + lid + s], is_max);
			}
		}
		barrier();
	}
	for (uint k = 0; k < RED_N; k++) {
		red_v[k] = red_sh[k * WG];
	}
	barrier();
}
#endif

void red_sum() { red_run(false); }
void red_max() { red_run(true); }
