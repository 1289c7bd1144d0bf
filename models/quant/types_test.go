package quant

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTypeLayout(t *testing.T) {
	tests := []struct {
		t          Type
		name       string
		blockSize  int
		blockBytes int
		supported  bool
	}{
		{F32, "F32", 1, 4, true},
		{F16, "F16", 1, 2, true},
		{BF16, "BF16", 1, 2, true},
		{Q4_0, "Q4_0", 32, 18, true},
		{Q4_1, "Q4_1", 32, 20, true},
		{Q5_0, "Q5_0", 32, 22, true},
		{Q5_1, "Q5_1", 32, 24, true},
		{Q8_0, "Q8_0", 32, 34, true},
		{Q8_1, "Q8_1", 32, 36, false},
		{Q2_K, "Q2_K", 256, 84, false},
		{Q3_K, "Q3_K", 256, 110, false},
		{Q4_K, "Q4_K", 256, 144, true},
		{Q5_K, "Q5_K", 256, 176, true},
		{Q6_K, "Q6_K", 256, 210, true},
		{Q8_K, "Q8_K", 256, 292, false},
		{IQ2_XXS, "IQ2_XXS", 256, 66, false},
		{IQ4_NL, "IQ4_NL", 32, 18, false},
		{IQ4_XS, "IQ4_XS", 256, 136, false},
		{IQ1_M, "IQ1_M", 256, 56, false},
		{TQ1_0, "TQ1_0", 256, 54, false},
		{MXFP4, "MXFP4", 32, 17, false},
		{I32, "I32", 1, 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.name, tt.t.String())
			assert.True(t, tt.t.Known())
			assert.Equal(t, tt.supported, tt.t.Supported())
			assert.Equal(t, tt.blockSize, tt.t.BlockSize())
			assert.Equal(t, tt.blockBytes, tt.t.BlockBytes())
			got, err := ParseType(tt.name)
			require.NoError(t, err)
			assert.Equal(t, tt.t, got)
		})
	}
}

func TestUnknownType(t *testing.T) {
	for _, ty := range []Type{4, 5, 31, 36, 99, 1 << 31} {
		assert.False(t, ty.Known(), ty)
		assert.False(t, ty.Supported(), ty)
		assert.Zero(t, ty.BlockSize())
		_, err := ty.RowBytes(32)
		assert.Error(t, err)
	}
	assert.Equal(t, "type(99)", Type(99).String())
}

func TestParseType(t *testing.T) {
	for in, want := range map[string]Type{"q8_0": Q8_0, "f16": F16, "Q4_k": Q4_K, "bf16": BF16} {
		got, err := ParseType(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := ParseType("q9_9")
	assert.ErrorContains(t, err, `"q9_9"`)
}

func TestRowBytes(t *testing.T) {
	tests := []struct {
		t       Type
		n, want int
		wantErr bool
	}{
		{F32, 3, 12, false},
		{F16, 0, 0, false},
		{Q8_0, 64, 68, false},
		{Q4_K, 512, 288, false},
		{Q6_K, 256, 210, false},
		{Q8_0, 33, 0, true},
		{Q4_K, 128, 0, true},
		{F32, -1, 0, true},
		{Q8_0, maxInt - maxInt%32, 0, true}, // overflow
	}
	for _, tt := range tests {
		got, err := tt.t.RowBytes(tt.n)
		if tt.wantErr {
			assert.Error(t, err, "%v %d", tt.t, tt.n)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, "%v %d", tt.t, tt.n)
	}
}
