// Package chat renders chat messages into a prompt with a model's
// tokenizer.chat_template: a Hugging Face style Jinja template run by gonja
// with the Hugging Face conventions (trim_blocks, lstrip_blocks,
// raise_exception, strftime_now, tojson, bos_token and eos_token). A model
// without a template gets Fallback (ChatML). The HTTP server and the root
// vkllm API both render through it.
//
// Threading: a Template is read-only after New; Render builds a fresh
// context per call, so one Template serves any number of goroutines.
package chat
