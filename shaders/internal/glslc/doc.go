// Package glslc compiles the shader variant table with glslc and checks
// modules with spirv-val. It is used by the generator (go generate) and by
// the shaders tests; the vkllm binary never runs a shader compiler.
//
// Threading: functions are safe for concurrent use on distinct outputs.
//
// Invariants: compilation is reproducible (no -g, so no absolute paths in the
// modules): the same sources give the same bytes on every checkout, which is
// what the check-shaders diff relies on.
package glslc
