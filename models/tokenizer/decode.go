package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// renderPiece is the text a token contributes to decoded output, following
// llama.cpp's token_to_piece with special=false: control, unknown and unused
// tokens contribute nothing, user-defined tokens their text verbatim,
// SentencePiece pieces their text with ▁ turned into spaces, byte tokens
// their byte, and byte-level BPE pieces their bytes unmapped.
func (t *Tokenizer) renderPiece(id int32) string {
	text := t.texts[id]
	switch t.types[id] {
	case TypeUserDefined:
		return text
	case TypeNormal, TypeUndefined:
	case TypeByte:
		if t.model == ModelSPM {
			if b, ok := parseByteToken(text); ok {
				return string([]byte{b})
			}
		}
		return ""
	default:
		return ""
	}
	if t.model == ModelSPM {
		return strings.ReplaceAll(text, "\u2581", " ")
	}
	return unmapBytes(text)
}

// parseByteToken reads "<0xNN>".
func parseByteToken(s string) (byte, bool) {
	if len(s) != 6 || s[:3] != "<0x" || s[5] != '>' {
		return 0, false
	}
	hi, ok1 := hexVal(s[3])
	lo, ok2 := hexVal(s[4])
	return hi<<4 | lo, ok1 && ok2
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// unmapBytes inverts GPT-2's byte-to-character mapping. A character outside
// the mapping (never in a well-formed vocabulary) is kept as UTF-8, where
// llama.cpp writes an "[UNK_BYTE_0x..]" marker.
func unmapBytes(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if v, ok := runeBytes[r]; ok {
			b = append(b, v)
			continue
		}
		b = utf8.AppendRune(b, r)
	}
	return string(b)
}

// Decode turns ids into text. Control tokens (BOS, EOS, ...) produce
// nothing. For SentencePiece vocabularies with a space prefix, the leading
// space of the first text (the one Encode added) is dropped, also when BOS
// comes first, so Decode(Encode(s, true)) == s. (llama.cpp's detokenize
// keeps that space after a BOS; a chat client wants it gone.) Byte-level
// BPE vocabularies whose pre-tokenizer asks for it get llama.cpp's
// clean_up_tokenization_spaces (" ," -> ",", " 's" -> "'s", ...).
// Ids out of range are skipped.
func (t *Tokenizer) Decode(ids []int32) string {
	var b strings.Builder
	strip := t.model == ModelSPM && t.addSpacePrefix
	for _, id := range ids {
		if !t.valid(id) {
			continue
		}
		p := t.pieces[id]
		if strip && p != "" {
			p = strings.TrimPrefix(p, " ")
			strip = false
		}
		b.WriteString(p)
	}
	if t.cleanSpaces {
		return cleanSpaces(b.String())
	}
	return b.String()
}

// Decoder turns a stream of generated ids into text without ever splitting
// a UTF-8 character: the bytes of byte tokens are held until their
// character is complete. It does not strip a leading space, because a
// generated token's space separates it from the prompt. One Decoder serves
// one sequence and is not safe for concurrent use.
type Decoder struct {
	t       *Tokenizer
	pending []byte
}

// NewDecoder returns a streaming decoder for generated tokens.
func (t *Tokenizer) NewDecoder() *Decoder { return &Decoder{t: t} }

// Next adds a token and returns the text that is now complete (often "").
func (d *Decoder) Next(id int32) string {
	if !d.t.valid(id) {
		return ""
	}
	d.pending = append(d.pending, d.t.pieces[id]...)
	n := completePrefix(d.pending)
	out := string(d.pending[:n])
	d.pending = append(d.pending[:0], d.pending[n:]...)
	return out
}

// Flush returns any held bytes (an unfinished character at the end of the
// stream, kept as is) and resets the decoder.
func (d *Decoder) Flush() string {
	out := string(d.pending)
	d.pending = d.pending[:0]
	return out
}

// completePrefix returns how many bytes of b end on a character boundary:
// only a valid but unfinished UTF-8 sequence at the very end is held back.
func completePrefix(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-(utf8.UTFMax-1); i-- {
		c := b[i]
		if c < utf8.RuneSelf {
			return len(b)
		}
		if utf8.RuneStart(c) {
			if utf8.FullRune(b[i:]) {
				return len(b)
			}
			return i
		}
	}
	return len(b)
}

// cleanSpaces is llama.cpp's clean_up_tokenization_spaces, three passes
// over the bytes: drop the space before ? ! . , ; turn " ' " into "'";
// drop the space before 's 'm 're 've.
func cleanSpaces(s string) string {
	if len(s) < 2 {
		return s
	}
	src := []byte(s)
	out := make([]byte, 0, len(src))
	out = append(out, src[0])
	for i := 1; i < len(src); i++ {
		x := src[i]
		if src[i-1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',') {
			out = out[:len(out)-1]
		}
		out = append(out, x)
	}
	src, out = out, make([]byte, 0, len(out))
	out = append(out, src[0])
	for i := 1; i < len(src); i++ {
		x := src[i]
		if x == '\'' && i+1 < len(src) && src[i-1] == ' ' && src[i+1] == ' ' {
			out = out[:len(out)-1]
			src[i+1] = 0 // llama.cpp marks the skipped space, so it never counts as "previous"
			out = append(out, x)
			i++
			continue
		}
		out = append(out, x)
	}
	return string(cleanContractions(out))
}

// cleanContractions is the third pass: " 's", " 'm", " 're", " 've" lose
// the space (" 't", " 'd", " 'll" keep it, as in llama.cpp).
func cleanContractions(src []byte) []byte {
	if len(src) < 2 {
		return src
	}
	out := make([]byte, 0, len(src))
	out = append(out, src[0])
	for i := 1; i < len(src); i++ {
		x := src[i]
		if src[i-1] == ' ' && x == '\'' && i+1 < len(src) {
			x1 := src[i+1]
			switch {
			case x1 == 's' || x1 == 'm':
				out = out[:len(out)-1]
			case x1 == 't' || x1 == 'd':
			case i+2 < len(src) && ((x1 == 'r' && src[i+2] == 'e') || (x1 == 'v' && src[i+2] == 'e')):
				out = out[:len(out)-1]
			}
		}
		out = append(out, x)
	}
	return out
}
