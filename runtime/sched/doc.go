// Package sched is the continuous-batching scheduler, modelled on vLLM v1's:
// there are no prefill and decode phases, only sequences with NumTokens
// (prompt plus tokens generated so far) and NumComputed (tokens whose K/V
// are in the cache). Each step gives running sequences min(budget left,
// NumTokens-NumComputed) tokens under a per-step token budget, so a long
// prompt is computed in chunks while decoding sequences keep stepping.
//
// One step is Schedule, then the caller runs the plan (a forward pass and
// sampling), then Update with the sampled tokens. Schedule:
//  1. gives each running decode (one token left) its token, then each running
//     prompt a chunk, in admission order;
//  2. grows block tables from the cache.BlockPool as tokens are scheduled;
//     when the pool is out of blocks it preempts the most recently admitted
//     running sequence (frees its blocks, puts it at the front of the waiting
//     queue to be recomputed, prompt and generated tokens, later);
//  3. if nothing was preempted, admits waiting sequences first come first
//     served while budget, sequence slots and blocks allow, reusing the
//     prompt's full blocks found in the prefix cache.
//
// Update registers newly computed full blocks in the prefix cache, appends
// sampled tokens and finishes sequences on an end-of-generation token, on
// their token limit or on a full context, freeing their blocks (full blocks
// stay in the prefix cache until evicted).
//
// Threading: a Scheduler is not safe for concurrent use; one goroutine (the
// serving loop) owns it, its pool and its block tables. It imports nothing
// GPU- or model-related.
//
// Invariants, between calls:
//   - every live sequence is in exactly one of waiting and running;
//   - len(running) <= MaxSeqs;
//   - a running sequence's block table holds exactly NumComputed tokens
//     (between Schedule and Update: NumComputed plus its scheduled tokens);
//     a waiting one holds none;
//   - blocks are referenced only by running sequences' tables (and, when
//     free, may stay in the prefix cache), so with no live sequences every
//     block is back on the free list.
package sched
