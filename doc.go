// Package vkllm embeds LLM inference in Go applications: open a GGUF model
// with Open, stream generations with Generate or Chat, watch the engine
// with Stats, and Close it.
//
//	e, err := vkllm.Open("model.gguf", vkllm.Options{Device: "vulkan"})
//	...
//	defer e.Close()
//	for tok, err := range e.Generate(ctx, vkllm.Request{Prompt: "Once upon a time", MaxTokens: 64}) {
//		if err != nil { ... }
//		fmt.Print(tok.Text)
//	}
//
// The model runs on the pure-Go CPU path (Device "cpu", the default) or on
// a Vulkan device through SPIR-V compute shaders. An application that
// already renders with Vulkan can hand its instance and device to vkllm
// (Options.External, from runtime/vk's Device.External or raw handles):
// vkllm then creates its buffers and pipelines on that device, serialises
// its submissions with the application's through the shared queue lock,
// and on Close destroys only what it created. examples/desktop is a GLFW
// application that does this.
//
// Threading: every Engine method is safe for concurrent use. Requests from
// any number of goroutines are batched together by one serving loop
// (continuous batching over a paged KV cache); each request's tokens
// depend only on its own prompt and sampling parameters, so a generation
// gives the same tokens alone or beside others. A Generate iterator is
// consumed by one goroutine; breaking out of it, or cancelling its
// context, ends the request and frees its KV blocks.
//
// Invariants: every request ends exactly once (end of text, MaxTokens, a
// stop string, a full context, cancellation, or Close); when no request
// is running every KV block is free (full blocks may stay in the prefix
// cache, ready for a prompt with the same prefix).
package vkllm
