// Package shaders holds vkllm's GLSL compute shaders, the variant table that
// compiles them to SPIR-V, and the compiled modules embedded with go:embed.
//
// Sources: one entry point per *.comp file, shared helpers in include-only
// *.glsl files; each file starts with a comment listing its bindings,
// specialization constants and push constants. A variant is one source
// compiled with a set of preprocessor defines for one Vulkan target and
// needs a set of device features (see Variants). `go generate` (or
// `make shaders`) runs glslc for every variant and writes spv/<name>.spv;
// the .spv files are committed so that building vkllm needs no shader
// compiler, and `make check-shaders` fails when they are stale.
//
// Threading: everything exported is immutable after init and safe for
// concurrent use.
package shaders

//go:generate go run ./internal/gen -src . -out spv
