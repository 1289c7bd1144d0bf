package tokenizer

import (
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

var (
	fuzzOnce  sync.Once
	fuzzToks  map[string]*Tokenizer
	fuzzSeeds = []string{"", " ", "Hello world", "\xff\xfe", "🦙🦙 3.3", "  \n\t x", "<s></s><unk>", "你好 нещо", "I'll 'RE"}
)

// fuzzTokenizers loads the shared vocabularies once per fuzz process.
func fuzzTokenizers(t *testing.T) map[string]*Tokenizer {
	fuzzOnce.Do(func() {
		fuzzToks = map[string]*Tokenizer{}
		for _, name := range vocabNames {
			fuzzToks[name] = loadVocab(t, name)
		}
	})
	if len(fuzzToks) != len(vocabNames) {
		t.Skip("shared vocabularies missing")
	}
	return fuzzToks
}

// FuzzEncode checks that Encode never panics and yields ids in range, and
// that decoding gives the text back where llama.cpp's does: valid UTF-8 on
// the SentencePiece vocabularies (byte fallback covers every character)
// and the deepseek-coder one (byte-level, no space clean-up).
func FuzzEncode(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, tok := range fuzzTokenizers(t) {
			ids := tok.Encode(s, true)
			for _, id := range ids {
				if id < 0 || int(id) >= tok.VocabSize() {
					t.Fatalf("%s: id %d out of range for %q", name, id, s)
				}
			}
			if !roundTrips(name, s) {
				continue
			}
			if got := tok.Decode(ids); got != s {
				t.Fatalf("%s: %q decodes to %q (ids %v)", name, s, got, ids)
			}
		}
	})
}

// roundTrips reports whether llama.cpp round-trips s on the vocabulary.
// SentencePiece reads a literal ▁ as a space, and the vocabulary's control
// texts (<s>, </s>) can be formed from plain text; GPT-2 cleans spaces.
func roundTrips(name, s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	switch name {
	case "llama-spm", "phi-3":
		return !strings.Contains(s, "\u2581") && !strings.Contains(s, "<") && !strings.Contains(s, "[PAD")
	case "deepseek-coder":
		return true
	}
	return false
}
