package tokenizer

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeSPM is a SentencePiece vocabulary: <unk>, <s>, </s>, 256 byte tokens,
// then the given pieces (▁ for spaces) with their scores.
func fakeSPM(pieces map[string]float32) fakeMD {
	texts := []string{"<unk>", "<s>", "</s>"}
	types := []int32{2, 3, 3}
	for b := 0; b < 256; b++ {
		texts = append(texts, fmt.Sprintf("<0x%02X>", b))
		types = append(types, 6)
	}
	names := make([]string, 0, len(pieces))
	for p := range pieces {
		names = append(names, p)
	}
	sort.Strings(names)
	texts = append(texts, names...)
	scores := make([]float32, len(texts))
	for i, p := range names {
		scores[259+i] = pieces[p]
		types = append(types, 1)
	}
	return fakeMD{KeyModel: "llama", KeyTokens: texts, KeyScores: scores, KeyTokenType: types}
}

func fakeTok(t *testing.T, md fakeMD) *Tokenizer {
	t.Helper()
	tok, err := FromGGUF(md)
	require.NoError(t, err)
	return tok
}

func texts(tok *Tokenizer, ids []int32) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = tok.TokenText(id)
	}
	return out
}

func TestSPMMergeOrder(t *testing.T) {
	cases := []struct {
		name   string
		pieces map[string]float32
		in     string
		want   []string
	}{
		{"higher score first", map[string]float32{"▁": -10, "a": -10, "b": -10, "▁a": -1, "ab": -0.5}, "ab", []string{"▁", "ab"}},
		{"other pair higher", map[string]float32{"▁": -10, "a": -10, "b": -10, "▁a": -0.1, "ab": -0.5}, "ab", []string{"▁a", "b"}},
		{"tie goes left", map[string]float32{"▁": -10, "a": -10, "b": -10, "▁a": -1, "ab": -1}, "ab", []string{"▁a", "b"}},
		{"chain", map[string]float32{"▁": -10, "a": -10, "b": -10, "ab": -1, "▁ab": -2}, "ab", []string{"▁ab"}},
		{"byte fallback", map[string]float32{"▁": -10, "a": -10}, "aé", []string{"▁", "a", "<0xC3>", "<0xA9>"}},
		{"spaces", map[string]float32{"▁": -10, "a": -10, "▁▁": -1}, " a", []string{"▁▁", "a"}},
		{"invalid utf-8", map[string]float32{"▁": -10}, "\xff", []string{"▁", "<0xFF>"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tok := fakeTok(t, fakeSPM(c.pieces))
			ids := tok.Encode(c.in, false)
			assert.Equal(t, c.want, texts(tok, ids))
			assert.Equal(t, c.in, tok.Decode(ids))
			assert.Equal(t, append([]int32{1}, ids...), tok.Encode(c.in, true))
		})
	}
}

func TestSPMEmptyAndFlags(t *testing.T) {
	md := fakeSPM(map[string]float32{"▁": -1, "a": -1})
	tok := fakeTok(t, md)
	assert.Empty(t, tok.Encode("", false))
	assert.Equal(t, []int32{1}, tok.Encode("", true))
	assert.Equal(t, int32(1), tok.BOS())
	assert.Equal(t, int32(2), tok.EOS())
	assert.True(t, tok.IsEOG(2))
	assert.False(t, tok.IsEOG(1))

	md[KeyAddSpacePrefix] = false
	md[KeyAddBOS] = false
	md[KeyAddEOS] = true
	tok = fakeTok(t, md)
	assert.Equal(t, []string{"a", "</s>"}, texts(tok, tok.Encode("a", true)))
	assert.False(t, tok.AddBOS())
}

func TestSpecialTokens(t *testing.T) {
	md := fakeSPM(map[string]float32{"▁": -1, "a": -1, "<": -1, ">": -1, "s": -1, "/": -1, "<|u|>": 0, "<|end|>": 0})
	types := md[KeyTokenType].([]int32)
	texts0 := md[KeyTokens].([]string)
	for i, s := range texts0 {
		switch s {
		case "<|u|>":
			types[i] = int32(TypeUserDefined)
		case "<|end|>":
			types[i] = int32(TypeControl)
		}
	}
	tok := fakeTok(t, md)
	u, _ := tok.Lookup("<|u|>")
	end, _ := tok.Lookup("<|end|>")

	// Control text stays text unless asked; user-defined text always matches,
	// and the text after it gets a space prefix again.
	assert.NotContains(t, tok.Encode("<s>a", false), int32(1))
	assert.Equal(t, []string{"<s>", "▁", "a"}, texts(tok, tok.EncodeWithSpecial("<s>a", false)))
	assert.Equal(t, []string{"▁", "a", "<|u|>", "▁", "a"}, texts(tok, tok.Encode("a<|u|>a", false)))
	assert.NotContains(t, tok.Encode("a<|end|>", false), end)
	assert.Contains(t, tok.EncodeWithSpecial("a<|end|>", false), end)
	assert.True(t, tok.IsEOG(end), "<|end|> ends a turn")
	assert.Equal(t, "<|u|>", tok.Decode([]int32{u}))
	assert.Equal(t, "a", tok.Decode([]int32{1, end, tok.Encode("a", false)[0], tok.Encode("a", false)[1]}))
	assert.Equal(t, "<|end|>", tok.Piece(end))
	assert.Equal(t, "", tok.Decode([]int32{end, -5, 1 << 30}))
}

// fakeBPE is a byte-level vocabulary with three merges.
func fakeBPE() fakeMD {
	return fakeMD{
		KeyModel:     "gpt2",
		KeyPre:       "gpt-2",
		KeyTokens:    []string{"a", "b", "c", "Ġ", "ab", "abc", "Ġa", "<|endoftext|>"},
		KeyTokenType: []int32{1, 1, 1, 1, 1, 1, 1, 3},
		KeyMerges:    []string{"a b", "ab c", "Ġ a"},
		KeyEOS:       uint64(7),
		KeyBOS:       uint64(7),
	}
}

func TestBPEMergeRanks(t *testing.T) {
	tok := fakeTok(t, fakeBPE())
	cases := []struct {
		in   string
		want []string
	}{
		{"abc", []string{"abc"}},
		{" ab", []string{"Ġ", "ab"}}, // "a b" outranks "Ġ a"
		{" ac", []string{"Ġa", "c"}}, // no "a c": "Ġ a" applies
		{"abd", []string{"ab"}},      // d is no token and no byte token: dropped, as llama.cpp does
		{"cab", []string{"c", "ab"}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, texts(tok, tok.Encode(c.in, false)), "%q", c.in)
	}
	assert.False(t, tok.AddBOS(), "byte-level BPE adds no BOS by default")
	assert.Equal(t, " abc", tok.Decode(tok.Encode(" abc", true)))
	assert.True(t, tok.IsEOG(7))
}

func TestFromGGUFErrors(t *testing.T) {
	cases := []struct {
		name string
		edit func(fakeMD)
		want string
	}{
		{"no model", func(m fakeMD) { delete(m, KeyModel) }, KeyModel},
		{"unknown model", func(m fakeMD) { m[KeyModel] = "bert" }, "unsupported"},
		{"no tokens", func(m fakeMD) { delete(m, KeyTokens) }, KeyTokens},
		{"empty vocabulary", func(m fakeMD) { m[KeyTokens] = []string{} }, "0 tokens"},
		{"scores length", func(m fakeMD) { m[KeyScores] = []float32{1} }, "1 entries"},
		{"types length", func(m fakeMD) { m[KeyTokenType] = []int32{1} }, "1 entries"},
		{"bad type", func(m fakeMD) { m[KeyTokenType].([]int32)[5] = 9 }, "want 0..6"},
		{"duplicate", func(m fakeMD) { m[KeyTokens].([]string)[4] = "<0x00>" }, "same text"},
		{"bos range", func(m fakeMD) { m[KeyBOS] = uint64(1 << 20) }, "outside the vocabulary"},
		{"bos type", func(m fakeMD) { m[KeyBOS] = "one" }, KeyBOS},
		{"add bos without bos", func(m fakeMD) { m[KeyBOS] = uint64(0xFFFFFFFF) }, "no BOS"},
		{"flag type", func(m fakeMD) { m[KeyAddEOS] = uint64(1) }, KeyAddEOS},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			md := fakeSPM(map[string]float32{"▁": -1})
			c.edit(md)
			_, err := FromGGUF(md)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
	bpe := []struct {
		name string
		edit func(fakeMD)
		want string
	}{
		{"unknown pre", func(m fakeMD) { m[KeyPre] = "klingon" }, "unsupported"},
		{"no merges", func(m fakeMD) { delete(m, KeyMerges) }, KeyMerges},
	}
	for _, c := range bpe {
		t.Run(c.name, func(t *testing.T) {
			md := fakeBPE()
			c.edit(md)
			_, err := FromGGUF(md)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestPaddingOutOfRangeIgnored(t *testing.T) {
	md := fakeSPM(map[string]float32{"▁": -1})
	md[KeyPAD] = uint64(1 << 20)
	md[KeyEOT] = uint64(0xFFFFFFFF)
	tok := fakeTok(t, md)
	assert.Equal(t, int32(-1), tok.pad)
	assert.Equal(t, int32(-1), tok.eot)
}

func TestCleanSpaces(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Hello , world !", "Hello, world!"},
		{"a ' b", "a'b"},
		{"it 's he 'll I 'd", "it's he 'll I 'd"},
		{"we 're they 've I 'm", "we're they've I'm"},
		{"x", "x"},
		{" .", "."},
		{"", ""},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, cleanSpaces(c.in), "%q", c.in)
	}
}

func TestDecoderHoldsPartialRunes(t *testing.T) {
	tok := loadVocab(t, "llama-spm")
	ids := tok.Encode(" this is 🦙.cpp", false)
	d := tok.NewDecoder()
	var chunks []string
	for _, id := range ids {
		chunks = append(chunks, d.Next(id))
	}
	assert.Equal(t, "", d.Flush())
	// ▁, ▁this, ▁is, ▁, 4 byte tokens of the llama, ., cpp
	assert.Equal(t, []string{" ", " this", " is", " ", "", "", "", "🦙", ".", "cpp"}, chunks)

	// An unfinished character at the end comes out of Flush.
	d = tok.NewDecoder()
	assert.Equal(t, "", d.Next(243))
	assert.Equal(t, "\xf0", d.Flush())
	// Invalid bytes are not held.
	assert.Equal(t, "\x80", d.Next(tok.byteIDs[0x80]))
}

// TestDecoderStreamsAllVectors streams every vector: each chunk is valid
// UTF-8 and the chunks add up to the pieces.
func TestDecoderStreamsAllVectors(t *testing.T) {
	for _, name := range vocabNames {
		t.Run(name, func(t *testing.T) {
			tok := loadVocab(t, name)
			for _, v := range readVectors(t, name) {
				ids := tok.Encode(v.text, false)
				d := tok.NewDecoder()
				var all, raw strings.Builder
				for _, id := range ids {
					c := d.Next(id)
					assert.True(t, utf8.ValidString(c), "%q chunk %q", v.text, c)
					all.WriteString(c)
					raw.WriteString(tok.pieces[id])
				}
				all.WriteString(d.Flush())
				assert.Equal(t, raw.String(), all.String())
			}
		})
	}
}

// TestIgnoreMerges checks llama 3's rule: a word that is a whole token is
// taken as is, even where the merges would not build it.
func TestIgnoreMerges(t *testing.T) {
	md := fakeBPE()
	md[KeyTokens] = append(md[KeyTokens].([]string), "ca")
	md[KeyTokenType] = append(md[KeyTokenType].([]int32), 1)
	tok := fakeTok(t, md)
	assert.Equal(t, []string{"c", "a"}, texts(tok, tok.Encode("ca", false)), "gpt-2 has no \"c a\" merge")

	md[KeyPre] = "llama-bpe"
	tok = fakeTok(t, md)
	assert.Equal(t, []string{"ca"}, texts(tok, tok.Encode("ca", false)))
	assert.True(t, tok.AddBOS(), "llama-bpe adds BOS by default")
	assert.Equal(t, []string{"<|endoftext|>", "ca"}, texts(tok, tok.Encode("ca", true)))
}
