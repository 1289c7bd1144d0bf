package kernels

// Push-constant blocks, one per shader interface. Each mirrors the
// `layout(push_constant)` block of its shader field by field (4-byte
// scalars only, so Go's layout equals std430's); push_test.go checks sizes.

// FillPush is fill.comp's block.
type FillPush struct {
	N     uint32  // elements to write
	Value float32 // value written
}

// ElementwisePush is the block of copy.comp and binary.comp (add, mul,
// swiglu).
type ElementwisePush struct {
	N uint32 // elements
}

// RMSNormPush is rmsnorm.comp's block.
type RMSNormPush struct {
	Cols uint32  // values per row (and length of the weight)
	Rows uint32  // rows normalised
	Eps  float32 // added to the mean square
}

// SoftmaxPush is softmax.comp's block.
type SoftmaxPush struct {
	Cols uint32 // values per row
	Rows uint32 // rows
}

// RopePush is rope.comp's block.
type RopePush struct {
	HeadDim uint32 // values per head vector
	Heads   uint32 // head vectors per token
	Tokens  uint32 // tokens (entries of the position buffer)
	Dims    uint32 // rotated values per head (even, ≤ HeadDim; the frequency table's pairs)
	Stride  uint32 // floats from one token's row to the next (≥ Heads·HeadDim)
}

// MatVecPush is matvec.comp's block.
type MatVecPush struct {
	Rows    uint32 // weight rows = outputs per vector
	Cols    uint32 // weight columns = inputs per vector
	XStride uint32 // floats between consecutive input vectors (multiple of 4)
	YStride uint32 // floats between consecutive output vectors
	N       uint32 // input vectors
}

// KVStorePush is kvstore.comp's block.
type KVStorePush struct {
	Rows      uint32 // rows stored (entries of the slot buffer)
	SrcStride uint32 // floats between consecutive source rows
	KOffset   uint32 // float offset of K within a row of the K source
	VOffset   uint32 // float offset of V within a row of the V source
}

// DecodePush is attn_decode.comp's block.
type DecodePush struct {
	Rows    uint32  // query rows (entries of the meta header)
	QStride uint32  // floats between consecutive query rows
	OStride uint32  // floats between consecutive output rows (Splits == 1)
	Splits  uint32  // context chunks per row; > 1 writes partials for Reduce
	Scale   float32 // score multiplier, usually 1/√HeadDim
}

// ReducePush is attn_reduce.comp's block.
type ReducePush struct {
	Rows    uint32 // query rows
	OStride uint32 // floats between consecutive output rows
	Splits  uint32 // the Splits the partials were written with
}

// PrefillPush is attn_prefill.comp's block.
type PrefillPush struct {
	Rows    uint32  // query rows (entries of the meta header)
	QStride uint32  // floats between consecutive query rows
	OStride uint32  // floats between consecutive output rows
	Scale   float32 // score multiplier, usually 1/√HeadDim
}
