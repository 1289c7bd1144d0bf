package tokenizer

import (
	"fmt"
	"sort"
	"strings"
)

// TokenType is a token's kind as stored in tokenizer.ggml.token_type.
type TokenType int32

// Token types, numbered as in GGUF.
const (
	TypeUndefined   TokenType = 0
	TypeNormal      TokenType = 1
	TypeUnknown     TokenType = 2
	TypeControl     TokenType = 3
	TypeUserDefined TokenType = 4
	TypeUnused      TokenType = 5
	TypeByte        TokenType = 6
)

// Model is the tokenization algorithm.
type Model int

// Models read from tokenizer.ggml.model.
const (
	ModelSPM Model = iota + 1 // "llama": SentencePiece-style, score-ranked bigram merges
	ModelBPE                  // "gpt2": byte-level BPE, merges ranked by order
)

func (m Model) String() string {
	switch m {
	case ModelSPM:
		return "spm"
	case ModelBPE:
		return "bpe"
	}
	return fmt.Sprintf("Model(%d)", int(m))
}

// Tokenizer encodes and decodes text for one vocabulary. It is immutable and
// safe for concurrent use.
type Tokenizer struct {
	model  Model
	pre    string
	texts  []string
	scores []float32
	types  []TokenType
	ids    map[string]int32
	pieces []string // decoded bytes of each token when rendered as text

	// SPM
	byteIDs [256]int32 // <0xNN> tokens, noID where missing

	// BPE
	merges       map[uint64]merge // (left id, right id) -> rank and result
	split        splitter
	ignoreMerges bool

	bos, eos, unk, pad, eot, eom int32
	eog                          map[int32]bool

	addBOS, addEOS, addSpacePrefix, cleanSpaces bool

	// specials lists the tokens matched in the input text before the
	// algorithm runs (user-defined always, control and unknown only when
	// parsing special text), longest text first.
	specials []special
}

type special struct {
	id           int32
	text         string
	typ          TokenType
	lstrip, rstr bool
}

// finish derives the lookup tables that depend on the whole vocabulary.
func (t *Tokenizer) finish(md Metadata) {
	for b := range t.byteIDs {
		t.byteIDs[b] = noID
		if id, ok := t.ids[fmt.Sprintf("<0x%02X>", b)]; ok && t.model == ModelSPM {
			t.byteIDs[b] = id
		}
	}
	t.buildEOG()
	t.buildSpecials(md)
	t.pieces = make([]string, len(t.texts))
	for i := range t.texts {
		t.pieces[i] = t.renderPiece(int32(i))
	}
}

// eogNames are the texts llama.cpp treats as end of generation whatever the
// metadata says (issue ggml-org/llama.cpp#9606).
var eogNames = []string{"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>"}

func (t *Tokenizer) buildEOG() {
	t.eog = map[int32]bool{}
	for _, id := range []int32{t.eos, t.eot, t.eom} {
		if id != noID {
			t.eog[id] = true
		}
	}
	for _, name := range eogNames {
		if id, ok := t.ids[name]; ok {
			t.eog[id] = true
		}
	}
}

func (t *Tokenizer) buildSpecials(md Metadata) {
	name := ""
	if md.Has(keyGeneralName) {
		name, _ = md.String(keyGeneralName)
	}
	name = strings.ToLower(name)
	// llama.cpp strips the spaces after Phi-3's special tokens, except
	// after <unk>, <s> and <|endoftext|>.
	phi3 := strings.Contains(name, "phi-3") || strings.Contains(name, "phi3")
	for i, typ := range t.types {
		if typ != TypeControl && typ != TypeUserDefined && typ != TypeUnknown {
			continue
		}
		s := special{id: int32(i), text: t.texts[i], typ: typ}
		if phi3 {
			switch s.text {
			case "<unk>", "<s>", "<|endoftext|>":
			default:
				s.rstr = true
			}
		}
		t.specials = append(t.specials, s)
	}
	sort.SliceStable(t.specials, func(a, b int) bool {
		return len(t.specials[a].text) > len(t.specials[b].text)
	})
}

// VocabSize returns the number of tokens.
func (t *Tokenizer) VocabSize() int { return len(t.texts) }

// Model returns the tokenization algorithm.
func (t *Tokenizer) Model() Model { return t.model }

// BOS returns the beginning-of-sequence id, or -1 when there is none.
func (t *Tokenizer) BOS() int32 { return t.bos }

// EOS returns the end-of-sequence id, or -1 when there is none.
func (t *Tokenizer) EOS() int32 { return t.eos }

// AddBOS reports whether Encode with addSpecial puts BOS first.
func (t *Tokenizer) AddBOS() bool { return t.addBOS }

// IsEOG reports whether id ends generation: EOS, EOT, EOM, or a token named
// like an end-of-turn marker (<|eot_id|>, <|im_end|>, <|end|>, ...).
func (t *Tokenizer) IsEOG(id int32) bool { return t.eog[id] }

// TokenText returns the token's text as stored in the vocabulary (with
// SentencePiece's ▁ or GPT-2's byte mapping), or "" for an id out of range.
func (t *Tokenizer) TokenText(id int32) string {
	if !t.valid(id) {
		return ""
	}
	return t.texts[id]
}

// TokenType returns the token's type, or TypeUndefined for an id out of range.
func (t *Tokenizer) TokenType(id int32) TokenType {
	if !t.valid(id) {
		return TypeUndefined
	}
	return t.types[id]
}

// Piece returns the bytes the token stands for, with control and unknown
// tokens rendered as their text (like llama.cpp's token_to_piece with
// special=true). A byte token's piece may be part of a UTF-8 character.
func (t *Tokenizer) Piece(id int32) string {
	if !t.valid(id) {
		return ""
	}
	switch t.types[id] {
	case TypeControl, TypeUnknown:
		return t.texts[id]
	}
	return t.pieces[id]
}

// Lookup returns the id of the token whose vocabulary text is s.
func (t *Tokenizer) Lookup(s string) (int32, bool) {
	id, ok := t.ids[s]
	return id, ok
}

func (t *Tokenizer) valid(id int32) bool { return id >= 0 && int(id) < len(t.texts) }
