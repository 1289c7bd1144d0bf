package tokenizer

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
)

// Metadata is the part of a GGUF file the tokenizer reads. *gguf.File
// satisfies it; tests use a map-backed fake.
type Metadata interface {
	Has(key string) bool
	String(key string) (string, error)
	Uint(key string) (uint64, error)
	Bool(key string) (bool, error)
	Strings(key string) ([]string, error)
	Float32s(key string) ([]float32, error)
	Int32s(key string) ([]int32, error)
}

// GGUF metadata keys read by FromGGUF.
const (
	KeyModel          = "tokenizer.ggml.model"
	KeyPre            = "tokenizer.ggml.pre"
	KeyTokens         = "tokenizer.ggml.tokens"
	KeyScores         = "tokenizer.ggml.scores"
	KeyTokenType      = "tokenizer.ggml.token_type"
	KeyMerges         = "tokenizer.ggml.merges"
	KeyBOS            = "tokenizer.ggml.bos_token_id"
	KeyEOS            = "tokenizer.ggml.eos_token_id"
	KeyUNK            = "tokenizer.ggml.unknown_token_id"
	KeyPAD            = "tokenizer.ggml.padding_token_id"
	KeyEOT            = "tokenizer.ggml.eot_token_id"
	KeyEOM            = "tokenizer.ggml.eom_token_id"
	KeyAddBOS         = "tokenizer.ggml.add_bos_token"
	KeyAddEOS         = "tokenizer.ggml.add_eos_token"
	KeyAddSpacePrefix = "tokenizer.ggml.add_space_prefix"
	keyGeneralName    = "general.name"
)

// ErrUnsupported is wrapped by errors for tokenizer models and pre-tokenizers
// this package does not implement.
var ErrUnsupported = errors.New("tokenizer: unsupported")

// maxVocab bounds the vocabulary size: ids are int32, and no real vocabulary
// comes near it, so a larger array means a corrupt file.
const maxVocab = 1 << 26

// noID marks an absent special token, like llama.cpp's LLAMA_TOKEN_NULL.
const noID int32 = -1

// FromGGUF builds a tokenizer from GGUF metadata. It reads only metadata, so
// vocabulary-only files work. Defaults follow llama.cpp: SentencePiece
// vocabularies add BOS and a space prefix unless the file says otherwise.
func FromGGUF(md Metadata) (*Tokenizer, error) {
	model, err := md.String(KeyModel)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %w", KeyModel, err)
	}
	t := &Tokenizer{bos: noID, eos: noID, unk: noID, pad: noID, eot: noID, eom: noID}
	switch model {
	case "llama":
		t.model = ModelSPM
		t.bos, t.eos, t.unk = 1, 2, 0
		t.addBOS, t.addSpacePrefix = true, true
	case "gpt2":
		t.model = ModelBPE
	default:
		return nil, fmt.Errorf("tokenizer: model %q: %w (want \"llama\" or \"gpt2\")", model, ErrUnsupported)
	}
	if err := t.loadVocab(md); err != nil {
		return nil, err
	}
	if t.model == ModelBPE {
		if err := t.loadBPE(md); err != nil {
			return nil, err
		}
	}
	if err := t.loadSpecial(md); err != nil {
		return nil, err
	}
	if err := t.loadFlags(md); err != nil {
		return nil, err
	}
	t.finish(md)
	return t, nil
}

// loadVocab reads the token texts, scores and types.
func (t *Tokenizer) loadVocab(md Metadata) error {
	texts, err := md.Strings(KeyTokens)
	if err != nil {
		return fmt.Errorf("tokenizer: %s: %w", KeyTokens, err)
	}
	n := len(texts)
	if n == 0 || n > maxVocab {
		return fmt.Errorf("tokenizer: %s: %d tokens, want 1..%d", KeyTokens, n, maxVocab)
	}
	scores, err := optionalFloats(md, KeyScores, n)
	if err != nil {
		return err
	}
	types, err := optionalTypes(md, n)
	if err != nil {
		return err
	}
	// The metadata's slices are shared with the file: copy before renaming.
	t.texts, t.scores, t.types = slices.Clone(texts), scores, types
	t.ids = make(map[string]int32, n)
	for i, s := range t.texts {
		if s == "" {
			// llama.cpp names empty entries so they stay unique.
			s = fmt.Sprintf("[EMPTY_%d]", i)
			t.texts[i] = s
		}
		if prev, dup := t.ids[s]; dup {
			return fmt.Errorf("tokenizer: %s: tokens %d and %d have the same text %q", KeyTokens, prev, i, s)
		}
		t.ids[s] = int32(i)
	}
	return nil
}

func optionalFloats(md Metadata, key string, n int) ([]float32, error) {
	if !md.Has(key) {
		return make([]float32, n), nil
	}
	v, err := md.Float32s(key)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %w", key, err)
	}
	if len(v) != n {
		return nil, fmt.Errorf("tokenizer: %s has %d entries for %d tokens", key, len(v), n)
	}
	return v, nil
}

func optionalTypes(md Metadata, n int) ([]TokenType, error) {
	types := make([]TokenType, n)
	if !md.Has(KeyTokenType) {
		for i := range types {
			types[i] = TypeNormal
		}
		return types, nil
	}
	v, err := md.Int32s(KeyTokenType)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %w", KeyTokenType, err)
	}
	if len(v) != n {
		return nil, fmt.Errorf("tokenizer: %s has %d entries for %d tokens", KeyTokenType, len(v), n)
	}
	for i, x := range v {
		if x < int32(TypeUndefined) || x > int32(TypeByte) {
			return nil, fmt.Errorf("tokenizer: %s[%d] = %d, want 0..6", KeyTokenType, i, x)
		}
		types[i] = TokenType(x)
	}
	return types, nil
}

// loadSpecial reads the special token ids. BOS, EOS, UNK, EOT and EOM must
// be in range; 0xFFFFFFFF (what converters write for "none") clears the id.
// An out-of-range padding id is only logged, as llama.cpp does, because
// several published conversions have one and nothing here uses it.
func (t *Tokenizer) loadSpecial(md Metadata) error {
	for _, id := range []*int32{&t.bos, &t.eos, &t.unk} {
		if !t.valid(*id) { // a default (1, 2, 0) beyond a tiny vocabulary
			*id = noID
		}
	}
	for _, s := range []struct {
		key    string
		id     *int32
		strict bool
	}{
		{KeyBOS, &t.bos, true}, {KeyEOS, &t.eos, true}, {KeyUNK, &t.unk, true},
		{KeyEOT, &t.eot, true}, {KeyEOM, &t.eom, true}, {KeyPAD, &t.pad, false},
	} {
		if !md.Has(s.key) {
			continue
		}
		v, err := md.Uint(s.key)
		if err != nil {
			return fmt.Errorf("tokenizer: %s: %w", s.key, err)
		}
		switch {
		case v == math.MaxUint32 || v == math.MaxUint64:
			*s.id = noID
		case v < uint64(len(t.texts)):
			*s.id = int32(v)
		case s.strict:
			return fmt.Errorf("tokenizer: %s = %d is outside the vocabulary of %d tokens", s.key, v, len(t.texts))
		default:
			slog.Warn("tokenizer: ignoring out-of-range special token", "key", s.key, "id", v, "vocab", len(t.texts))
		}
	}
	return nil
}

// loadFlags reads the add_* switches, which override the model defaults.
func (t *Tokenizer) loadFlags(md Metadata) error {
	for _, f := range []struct {
		key string
		v   *bool
	}{{KeyAddBOS, &t.addBOS}, {KeyAddEOS, &t.addEOS}, {KeyAddSpacePrefix, &t.addSpacePrefix}} {
		if !md.Has(f.key) {
			continue
		}
		v, err := md.Bool(f.key)
		if err != nil {
			return fmt.Errorf("tokenizer: %s: %w", f.key, err)
		}
		*f.v = v
	}
	if t.addBOS && t.bos == noID {
		return fmt.Errorf("tokenizer: %s is set but the vocabulary has no BOS token", KeyAddBOS)
	}
	if t.addEOS && t.eos == noID {
		return fmt.Errorf("tokenizer: %s is set but the vocabulary has no EOS token", KeyAddEOS)
	}
	return nil
}
