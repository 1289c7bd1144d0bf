package cpu

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/internal/testenv"
)

func openModel(t testing.TB, name string) *Loaded {
	t.Helper()
	l, err := Open(testenv.Model(t, name))
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l
}
