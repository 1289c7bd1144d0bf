// Package sample turns logits into a token id: seeded, reproducible sampling
// with the filter chain of llama.cpp's common sampler (repetition penalty →
// top-k → top-p → min-p → temperature → softmax → draw), or greedy argmax at
// temperature 0.
//
// Threading: a Sampler is not safe for concurrent use; use one per sequence.
// Its PRNG (math/rand/v2 PCG seeded from Params.Seed) is its own, so a
// sequence's draws do not depend on other sequences or on scheduling.
//
// Invariants: every ordering of candidates is total (logit descending, then
// token id ascending), so equal inputs and seeds give equal outputs on every
// platform; NaN and -Inf logits are never chosen; Sample allocates nothing
// once its buffers fit the vocabulary; top-k costs O(V + k log k) through
// quickselect, never a sort of the whole vocabulary, and top-p without top-k
// sorts only a growing best prefix until it holds the requested mass.
package sample
