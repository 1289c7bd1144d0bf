// Command desktop is a small GLFW application that embeds vkllm: it opens a
// window, presents CPU-rendered frames through a Vulkan swapchain made with
// runtime/vk, and runs the model on the same Vulkan device (vkllm.Options
// External), showing a prompt box, the generated text as it streams in,
// tokens/s and a live picture of the KV block pool.
//
// Type a prompt and press Enter to generate; Escape quits.
//
//	go run ./examples/desktop -model ../shared/models/stories260K-f32.gguf -prompt "Once upon a time"
//
// With -frames N it renders N frames and exits; in that mode each frame
// after the first waits for the next token (up to 2 s), so frame N shows
// the state after about N tokens. -screenshot out.png writes the last
// presented frame, read back from its swapchain image.
//
// Threading: GLFW and the presenter run on the main thread (locked to its
// OS thread); each generation runs on its own goroutine and hands text to
// the render loop under the app's mutex. The engine and the presenter
// share one VkDevice and VkQueue; the queue lock (vk.Device.QueueLock,
// passed through vkllm.Options.External) serialises their submissions
// and presents.
package main
