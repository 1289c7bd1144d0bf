package synth

import (
	"fmt"
	"strings"

	"github.com/vkllm/vkllm/models/gguf"
)

// SentencePiece token types as llama.cpp numbers them (tokenizer.ggml.token_type).
const (
	tokNormal  = 1
	tokUnknown = 2
	tokControl = 3
	tokUnused  = 5
	tokByte    = 6
)

// Built-in vocabulary layout: <unk>, <s>, </s>, then the 256 byte tokens.
const (
	unkID = 0
	bosID = 1
	eosID = 2
	// MinVocab is the smallest built-in vocabulary: the three specials and
	// the 256 byte tokens, enough to encode and decode any text.
	MinVocab = 3 + 256
)

// spaceMark is SentencePiece's word-boundary mark (U+2581), which replaces
// spaces in pieces.
const spaceMark = "\u2581"

// commonWords seed the built-in pieces; each is added with all its
// "▁"-prefixed prefixes so the SentencePiece merge loop can reach it.
var commonWords = strings.Fields(`the and to a was he she it of in said they her his
	you that with for on is day one time big little happy saw so but were had there
	mom dad play wanted very cat dog friend tree went up not go be all at this can
	then did what look out run see like are back help girl boy name lily tim ben ball
	sun fun toy home park red blue good made once upon felt sad new away too come
	got from day about could have will would no yes we me my your our them their`)

// builtinPieces returns the normal (non-special, non-byte) pieces of the
// built-in vocabulary in priority order, without duplicates.
func builtinPieces() []string {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	add(spaceMark)
	for _, w := range commonWords {
		for k := 1; k <= len(w); k++ {
			add(spaceMark + w[:k])
		}
	}
	const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'\"-:;()"
	for _, c := range chars {
		add(string(c))
	}
	for _, c := range chars {
		add(spaceMark + string(c))
	}
	for _, a := range "etaoinshrdlucmfwypvbgkjqxz" {
		for _, b := range "etaoinshrdlucmfwypvbgkjqxz" {
			add(string(a) + string(b))
		}
	}
	return out
}

// builtinVocab returns the tokenizer keys of a SentencePiece-style ("llama")
// vocabulary of n tokens: specials, byte tokens, common pieces, then unused
// padding tokens if n exceeds the pieces we have. Scores fall with the index,
// so earlier pieces win merges, as in a trained SentencePiece model.
func builtinVocab(n int) ([]gguf.KV, error) {
	if n < MinVocab || n > maxSize {
		return nil, fmt.Errorf("synth: built-in vocabulary needs %d..%d tokens, got %d", MinVocab, maxSize, n)
	}
	tokens := make([]string, 0, n)
	types := make([]int32, 0, n)
	push := func(tok string, typ int32) {
		tokens, types = append(tokens, tok), append(types, typ)
	}
	push("<unk>", tokUnknown)
	push("<s>", tokControl)
	push("</s>", tokControl)
	for b := range 256 {
		push(fmt.Sprintf("<0x%02X>", b), tokByte)
	}
	pieces := builtinPieces()
	for _, p := range pieces[:min(len(pieces), n-len(tokens))] {
		push(p, tokNormal)
	}
	for i := 0; len(tokens) < n; i++ {
		push(fmt.Sprintf("<unused%d>", i), tokUnused)
	}
	scores := make([]float32, n)
	for i := range scores {
		if types[i] == tokNormal {
			scores[i] = -float32(i)
		}
	}
	return []gguf.KV{
		gguf.Str("tokenizer.ggml.model", "llama"),
		gguf.StrArr("tokenizer.ggml.tokens", tokens),
		gguf.F32Arr("tokenizer.ggml.scores", scores),
		gguf.I32Arr("tokenizer.ggml.token_type", types),
		gguf.U32("tokenizer.ggml.bos_token_id", bosID),
		gguf.U32("tokenizer.ggml.eos_token_id", eosID),
		gguf.U32("tokenizer.ggml.unknown_token_id", unkID),
		gguf.Bool("tokenizer.ggml.add_bos_token", true),
		gguf.Bool("tokenizer.ggml.add_eos_token", false),
	}, nil
}

// copiedVocab returns every tokenizer.* key of the GGUF file at path, in file
// order, and its vocabulary size (the length of tokenizer.ggml.tokens).
func copiedVocab(path string) ([]gguf.KV, int, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("synth: vocab from %s: %w", path, err)
	}
	defer f.Close()
	tokens, err := f.Strings("tokenizer.ggml.tokens")
	if err != nil {
		return nil, 0, fmt.Errorf("synth: vocab from %s: %w", path, err)
	}
	var kv []gguf.KV
	for _, e := range f.KV {
		if strings.HasPrefix(e.Key, "tokenizer.") {
			kv = append(kv, e)
		}
	}
	// Metadata values are decoded Go values, not views of the mapping, so
	// they outlive Close.
	return kv, len(tokens), nil
}
