// Package runner is the serving loop: it owns a sched.Scheduler, a block
// pool and a Stepper (one forward step over a llama.Batch, on any backend),
// and turns submitted requests into streams of sampled tokens.
//
// One goroutine, the loop, does all the work of a step: take in new
// requests and cancellations, Schedule, convert the plan to a llama.Batch,
// Step, sample each sequence that needs a token with its own seeded
// sample.Sampler, Update the scheduler, and deliver tokens (and decoded text
// when the runner has a tokenizer) to the requests' streams.
//
// Threading: Submit, Close, Stats and CheckInvariants are safe for
// concurrent use. The scheduler, the pool, the samplers and the decoders are
// touched only by the loop goroutine; other goroutines reach the loop
// through a mutex-guarded inbox and a wake-up channel. Delivering a token
// never blocks the loop: each Stream buffers its events without bound (a
// request's tokens are bounded by its context).
//
// Invariants: every submitted request ends exactly once with a Result
// (stop, length, cancelled or error); when a request ends its sequence's
// blocks are freed, so with no live requests every block is on the free
// list (possibly still in the prefix cache).
package runner
