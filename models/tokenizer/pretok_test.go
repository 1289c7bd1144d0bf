package tokenizer

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

// The expected pieces come from the regexes' semantics worked by hand (the
// \s+(?!\S) backtracking, the optional leading space, digit groups).
func TestSplitters(t *testing.T) {
	cases := []struct {
		pre, in string
		want    []string
	}{
		{"gpt-2", "Hello world", []string{"Hello", " world"}},
		{"gpt-2", "  Hello", []string{" ", " Hello"}},
		{"gpt-2", "\tHello", []string{"\t", "Hello"}},
		{"gpt-2", "a   ", []string{"a", "   "}},
		{"gpt-2", "I've 'told", []string{"I", "'ve", " '", "told"}},
		{"gpt-2", "I'VE", []string{"I", "'", "VE"}},
		{"gpt-2", "x 123!!? y", []string{"x", " 123", "!!?", " y"}},
		{"gpt-2", "\n\n a", []string{"\n\n", " a"}},
		{"gpt-2", "", nil},
		{"llama-bpe", "I'VE 12345 ok", []string{"I", "'VE", " ", "123", "45", " ok"}},
		{"llama-bpe", "hi!\n\nthere", []string{"hi", "!\n\n", "there"}},
		{"llama-bpe", "a \n \n  b", []string{"a", " \n \n", " ", " b"}},
		{"llama-bpe", "\tword .x", []string{"\tword", " .", "x"}},
		{"llama-bpe", "(foo", []string{"(foo"}},
		{"qwen2", "12345", []string{"1", "2", "3", "4", "5"}},
		{"deepseek-coder", "ab\ncd 12 ,.", []string{"ab", "\n", "cd", " ", "1", "2", " ,.", ""}},
		{"deepseek-coder", "我想在apple工作", []string{"我想在", "apple", "工作"}},
		{"deepseek-llm", "Hello, 世界 42  ", []string{"Hello", ",", " ", "世界", " ", "42", "  "}},
		// The third pattern's class [:-~] holds the ASCII letters, so it
		// cuts "mega" out of the piece the letter pattern made.
		{"deepseek-llm", "Ωmega", []string{"Ω", "mega"}},
		{"deepseek-llm", "ΩΣ a\n", []string{"ΩΣ", " a", "\n"}},
		{"default", "abc1234 x+y", []string{"abc", "123", "4", " x", "+", "y"}},
	}
	for _, c := range cases {
		t.Run(c.pre+"/"+c.in, func(t *testing.T) {
			got := preTokenizers[c.pre].split(c.in)
			want := c.want
			if len(want) > 0 && want[len(want)-1] == "" {
				want = want[:len(want)-1] // trailing "" marks nothing, for readability
			}
			assert.Equal(t, want, got)
			assert.Equal(t, c.in, strings.Join(got, ""))
		})
	}
}

func TestByteTablesInvert(t *testing.T) {
	seen := map[string]bool{}
	for b := 0; b < 256; b++ {
		s := byteRunes[b]
		assert.Equal(t, 1, utf8.RuneCountInString(s))
		assert.False(t, seen[s], "byte %d maps to a used character", b)
		seen[s] = true
		r, _ := utf8.DecodeRuneInString(s)
		assert.Equal(t, byte(b), runeBytes[r])
	}
	assert.Equal(t, "Ġ", byteRunes[' '])
	assert.Equal(t, "Ċ", byteRunes['\n'])
}

// FuzzSplitters checks that every pre-tokenizer's pieces are non-empty and
// concatenate back to the input, valid UTF-8 or not.
func FuzzSplitters(f *testing.F) {
	for _, s := range []string{"", "Hello world", " \n\t x", "I'll 123456 你好 ...!!", "\xff\xfe a", "  \u3000。x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, cfg := range preTokenizers {
			pieces := cfg.split(s)
			for _, p := range pieces {
				if p == "" {
					t.Fatalf("%s: empty piece in %q", name, s)
				}
			}
			if got := strings.Join(pieces, ""); got != s {
				t.Fatalf("%s: pieces of %q join to %q", name, s, got)
			}
		}
	})
}
