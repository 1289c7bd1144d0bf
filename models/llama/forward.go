package llama

// RopeSpec describes the rotary position embedding applied to Q and K.
type RopeSpec struct {
	Base    float32 // frequency base
	Dims    int     // rotated dimensions per head (the rest pass through)
	HeadDim int     // values per head
	NeoX    bool    // NeoX pairing (i, i+Dims/2); llama uses (2i, 2i+1)
}

// AttnSpec describes grouped-query attention: query head h reads KV head
// h / (Heads/KVHeads).
type AttnSpec struct {
	Heads, KVHeads, HeadDim int
}

// Ops is what the forward pass needs from a backend. A is the backend's
// activation handle: a [rows][cols] float32 matrix, opaque to the model
// (host slices on the CPU, device buffers in the Vulkan engine). Methods
// record or run work; errors surface from Begin and Finish, so a backend
// that records a command buffer can fail only at submission.
//
// Rows are the batch's tokens in order; Gather switches to the logit rows.
type Ops[A any] interface {
	// Begin starts a step: token ids, positions, block tables and slots.
	Begin(b *Batch) error
	// Embed returns rows of w for the step's tokens: [n][dim].
	Embed(w *Tensor) A
	// RMSNorm returns x / rms(x) * w row by row: [n][len(w)].
	RMSNorm(x A, w *Tensor, eps float32) A
	// MatMul returns x · wᵀ: x [n][w.Cols] -> [n][w.Rows].
	MatMul(x A, w *Tensor) A
	// MatMulQKV returns MatMul(x, q), MatMul(x, k) and MatMul(x, v): one
	// op so that a backend may compute the three products of one input as
	// one (the GPU engine does, when the weights share a type).
	MatMulQKV(x A, q, k, v *Tensor) (A, A, A)
	// Rope rotates each head of x ([n][heads*HeadDim]) by its row's position.
	Rope(x A, r RopeSpec) A
	// StoreKV writes k and v ([n][KVHeads*HeadDim]) into the layer's cache
	// at each row's slot.
	StoreKV(layer int, k, v A)
	// Attention returns softmax(q·Kᵀ/√d)·V per head over each row's
	// sequence, causally (positions ≤ the row's): [n][Heads*HeadDim].
	Attention(layer int, q A, s AttnSpec) A
	// MatMulSwiGLU returns silu(x · gateᵀ) ⊙ (x · upᵀ): x [n][gate.Cols]
	// -> [n][gate.Rows]; gate and up have the same shape. One op so that a
	// backend may compute both products in one pass and apply SwiGLU before
	// storing them (the GPU engine does, when the weights share a type).
	MatMulSwiGLU(x A, gate, up *Tensor) A
	// Add returns a + b.
	Add(a, b A) A
	// Gather keeps the rows that need logits, in batch order: [r][cols].
	Gather(x A) A
	// Finish ends the step and returns the logits [r][vocab], row-major.
	Finish(logits A) ([]float32, error)
}

// Forward runs one step of the model over the batch and returns the logits
// of the rows the batch asks for, [LogitRows][Vocab] row-major.
func Forward[A any](m *Model, ops Ops[A], b *Batch) ([]float32, error) {
	if err := b.Validate(m.Config); err != nil {
		return nil, err
	}
	if err := ops.Begin(b); err != nil {
		return nil, err
	}
	x := ops.Embed(m.Weights.TokenEmbd) // [n][dim]
	for l := range m.Weights.Layers {
		x = block(ops, m, l, x) // [n][dim]
	}
	x = ops.Gather(x)                                          // [r][dim]
	x = ops.RMSNorm(x, m.Weights.OutputNorm, m.Config.NormEps) // [r][dim]
	return ops.Finish(ops.MatMul(x, m.Weights.Output))         // [r][vocab]
}

// block is one pre-norm transformer block: x + attn(norm(x)), then h + mlp(norm(h)).
func block[A any](ops Ops[A], m *Model, l int, x A) A {
	w := &m.Weights.Layers[l]
	eps := m.Config.NormEps
	h := ops.Add(x, attention(ops, m, l, ops.RMSNorm(x, w.AttnNorm, eps))) // [n][dim]
	return ops.Add(h, mlp(ops, w, ops.RMSNorm(h, w.FFNNorm, eps)))         // [n][dim]
}

// attention is grouped-query self-attention with RoPE over the paged cache.
func attention[A any](ops Ops[A], m *Model, l int, x A) A {
	w := &m.Weights.Layers[l]
	rope := m.Config.Rope()
	q, k, v := ops.MatMulQKV(x, w.Q, w.K, w.V) // [n][heads*hd], [n][kvHeads*hd] twice
	q, k = ops.Rope(q, rope), ops.Rope(k, rope)
	ops.StoreKV(l, k, v)
	o := ops.Attention(l, q, m.Config.Attn()) // [n][heads*hd]
	return ops.MatMul(o, w.O)                 // [n][dim]
}

// mlp is the SwiGLU feed-forward network: down(silu(gate(x)) * up(x)).
func mlp[A any](ops Ops[A], w *Layer, x A) A {
	h := ops.MatMulSwiGLU(x, w.Gate, w.Up) // [n][ffn]
	return ops.MatMul(h, w.Down)           // [n][dim]
}
