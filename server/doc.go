// Package server is vkllm's OpenAI-compatible HTTP API: POST
// /v1/completions and /v1/chat/completions (JSON or server-sent events),
// GET /v1/models, /health and /metrics (Prometheus text), over a Backend
// (a runtime/runner.Runner through FromRunner, or a fake in tests).
//
// Chat requests are rendered with the model's tokenizer.chat_template, a
// Jinja template run by gonja with the Hugging Face conventions
// (trim_blocks, lstrip_blocks, raise_exception, strftime_now, bos_token,
// eos_token); a model without one gets FallbackTemplate (ChatML).
//
// Errors use OpenAI's shape {"error": {"message", "type", "param",
// "code"}}: 400 for malformed or invalid requests (param names the field),
// 413 for bodies over Options.MaxBodyBytes and prompts over the context,
// 429 when Options.MaxRequests generation requests are already admitted,
// 503 while loading (Loading) or after Drain.
//
// Threading: a Server serves any number of requests at once; each runs on
// its net/http goroutine, submits to the backend and reads its own stream.
// The server's state is atomic counters and a mutex-guarded metrics
// record; the chat template is parsed once and read-only afterwards.
//
// Invariants: every admitted request is released exactly once; a request
// whose client disconnects is cancelled through its context, so the
// backend frees its sequence; a response is either one JSON body or an SSE
// stream ending with "data: [DONE]".
package server
