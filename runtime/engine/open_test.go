package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
)

func TestKVType(t *testing.T) {
	tests := []struct {
		name     string
		onEngine bool
		want     cache.KVType
	}{
		{"", true, cache.KVInt8},
		{"", false, cache.KVF32},
		{"f16", true, cache.KVF16},
		{"f32", true, cache.KVF32},
		{"int8", false, cache.KVInt8},
	}
	for _, tt := range tests {
		got, err := KVType(tt.name, tt.onEngine)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, "%q on engine %v", tt.name, tt.onEngine)
	}
	_, err := KVType("q4", true)
	assert.ErrorContains(t, err, "q4")
}
