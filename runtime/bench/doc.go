// Package bench measures vkllm the way llama.cpp's llama-bench does:
// for each model × test (ppN: a prompt of N tokens processed; tgN: N
// tokens generated after a short prompt) × concurrency, one warm-up and
// then Reps timed repetitions, reported as tokens per second mean ±
// standard deviation, with llama-bench's JSON field names. Every test runs
// through the serving runner (runtime/runner) on the CPU backend or the
// Vulkan engine (runner.NewEngine), so concurrency > 1 is continuous
// batching: the report adds per-sequence rates, time to first token and
// inter-token latency percentiles, and how many sequences the KV pool let
// run at once. Kernels measures each GPU kernel's bandwidth against a
// plain copy (kernels.Efficiency).
//
// Prompts are random token ids, different for every sequence and
// repetition, so the prefix cache never serves a measured prompt; the
// runner has no tokenizer, so no end-of-generation token cuts a test
// short; sampling is greedy.
//
// Threading: Run and Kernels are synchronous and own everything they
// open; Options.Progress is called from Run's goroutine only. Results are
// plain values.
package bench
