package tokenizer

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/models/gguf"
)

var errNoKey = errors.New("no such key")

// fakeMD is a map-backed Metadata for unit tests.
type fakeMD map[string]any

func (m fakeMD) Has(k string) bool { _, ok := m[k]; return ok }

func get[T any](m fakeMD, k string) (T, error) {
	var zero T
	v, ok := m[k]
	if !ok {
		return zero, fmt.Errorf("%q: %w", k, errNoKey)
	}
	x, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("%q has type %T", k, v)
	}
	return x, nil
}

func (m fakeMD) String(k string) (string, error)      { return get[string](m, k) }
func (m fakeMD) Uint(k string) (uint64, error)        { return get[uint64](m, k) }
func (m fakeMD) Bool(k string) (bool, error)          { return get[bool](m, k) }
func (m fakeMD) Strings(k string) ([]string, error)   { return get[[]string](m, k) }
func (m fakeMD) Float32s(k string) ([]float32, error) { return get[[]float32](m, k) }
func (m fakeMD) Int32s(k string) ([]int32, error)     { return get[[]int32](m, k) }

// loadGGUF builds the tokenizer of a shared test file (skipping when absent).
func loadGGUF(tb testing.TB, path string) *Tokenizer {
	tb.Helper()
	f, err := gguf.Open(path)
	require.NoError(tb, err)
	defer f.Close()
	tok, err := FromGGUF(f)
	require.NoError(tb, err)
	return tok
}

func loadVocab(tb testing.TB, name string) *Tokenizer {
	tb.Helper()
	return loadGGUF(tb, testenv.Shared(tb, "vocab/ggml-vocab-"+name+".gguf"))
}

// vector is one llama.cpp tokenizer test case.
type vector struct {
	text string
	ids  []int32
}

// readVectors parses X.gguf.inp (strings each followed by a line reading
// __ggml_vocab_test__) and X.gguf.out (one line of ids per string).
func readVectors(tb testing.TB, name string) []vector {
	tb.Helper()
	inp, err := os.ReadFile(testenv.Shared(tb, "vocab/ggml-vocab-"+name+".gguf.inp"))
	require.NoError(tb, err)
	out, err := os.ReadFile(testenv.Shared(tb, "vocab/ggml-vocab-"+name+".gguf.out"))
	require.NoError(tb, err)
	const sep = "\n__ggml_vocab_test__\n"
	texts := strings.Split(strings.TrimSuffix(string(inp), sep), sep)
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	require.Len(tb, lines, len(texts), "one output line per input string")
	vs := make([]vector, len(texts))
	for i, text := range texts {
		vs[i].text = text
		vs[i].ids = []int32{} // Encode returns an empty, non-nil slice
		for _, f := range strings.Fields(lines[i]) {
			id, err := strconv.ParseInt(f, 10, 32)
			require.NoError(tb, err)
			vs[i].ids = append(vs[i].ids, int32(id))
		}
	}
	return vs
}
