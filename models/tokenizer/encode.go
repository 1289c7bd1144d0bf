package tokenizer

import "strings"

// fragment is a piece of input: raw text to tokenize, or a token matched
// literally (id >= 0).
type fragment struct {
	text string
	id   int32
}

// Encode turns text into token ids. With addSpecial it adds BOS (and EOS)
// where the vocabulary asks for them. Control-token text in the input, such
// as "<s>", is tokenized as ordinary text (llama.cpp's parse_special=false);
// user-defined tokens are still matched literally, as Hugging Face does.
func (t *Tokenizer) Encode(text string, addSpecial bool) []int32 {
	return t.encode(text, addSpecial, false)
}

// EncodeWithSpecial is Encode, but control tokens written in the text (for
// example "<|im_start|>" in a rendered chat template) become their ids.
func (t *Tokenizer) EncodeWithSpecial(text string, addSpecial bool) []int32 {
	return t.encode(text, addSpecial, true)
}

func (t *Tokenizer) encode(text string, addSpecial, parseSpecial bool) []int32 {
	var frags []fragment
	if text != "" {
		frags = t.partition([]fragment{{text: text, id: noID}}, parseSpecial)
	}
	out := make([]int32, 0, len(text)/3+2)
	if addSpecial && t.addBOS {
		out = append(out, t.bos)
	}
	if t.model == ModelSPM {
		out = t.encodeSPMFragments(frags, out)
	} else {
		for _, f := range frags {
			if f.id != noID {
				out = append(out, f.id)
				continue
			}
			out = t.encodeBPE(f.text, out)
		}
	}
	if addSpecial && t.addEOS {
		out = append(out, t.eos)
	}
	return out
}

// encodeSPMFragments adds the space prefix to the first text fragment and to
// every text fragment that follows a special token, as llama.cpp does.
func (t *Tokenizer) encodeSPMFragments(frags []fragment, out []int32) []int32 {
	prevSpecial := true
	for _, f := range frags {
		if f.id != noID {
			out = append(out, f.id)
			prevSpecial = true
			continue
		}
		s := f.text
		if t.addSpacePrefix && prevSpecial {
			s = " " + s
		}
		out = t.encodeSPM(strings.ReplaceAll(s, " ", "\u2581"), out)
		prevSpecial = false
	}
	return out
}

// partition splits raw-text fragments around literal occurrences of special
// tokens, longest token first, so "<|im_start|>" wins over "<|im".
func (t *Tokenizer) partition(frags []fragment, parseSpecial bool) []fragment {
	for _, sp := range t.specials {
		if !parseSpecial && sp.typ != TypeUserDefined {
			continue
		}
		var next []fragment
		changed := false
		for _, f := range frags {
			if f.id != noID || !strings.Contains(f.text, sp.text) {
				next = append(next, f)
				continue
			}
			changed = true
			next = splitFragment(next, f.text, sp)
		}
		if changed {
			frags = next
		}
	}
	return frags
}

// splitFragment appends the pieces of s around every occurrence of sp.
func splitFragment(out []fragment, s string, sp special) []fragment {
	for s != "" {
		i := strings.Index(s, sp.text)
		if i < 0 {
			return append(out, fragment{text: s, id: noID})
		}
		left := s[:i]
		if sp.lstrip {
			left = strings.TrimRight(left, asciiSpace)
		}
		if left != "" {
			out = append(out, fragment{text: left, id: noID})
		}
		out = append(out, fragment{id: sp.id})
		s = s[i+len(sp.text):]
		if sp.rstr {
			s = strings.TrimLeft(s, asciiSpace)
		}
	}
	return out
}

// asciiSpace is C's isspace set, which llama.cpp's lstrip/rstrip use.
const asciiSpace = " \t\n\v\f\r"
