package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// contraction matches 's 't 're 've 'm 'll 'd after the apostrophe at i,
// ASCII case-insensitively when fold is set (llama 3's (?i:...)).
func contraction(s string, i int, fold bool) int {
	if i >= len(s) || s[i] != '\'' {
		return 0
	}
	lower := func(k int) byte {
		if i+k >= len(s) {
			return 0
		}
		c := s[i+k]
		if fold && c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		return c
	}
	switch c1, c2 := lower(1), lower(2); {
	case c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd':
		return 2
	case (c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l'):
		return 3
	}
	return 0
}

// spaceTail is \s+(?!\S) with \s+ as its fallback, at a whitespace rune:
// the whole run at the end of the piece; before a non-space, the run less
// its last character (which then leads the next word), or that one
// character when the run is one long.
func spaceTail(s string, i int) int {
	end := runEnd(s, i, unicode.IsSpace)
	if end == len(s) {
		return end - i
	}
	_, w := utf8.DecodeLastRuneInString(s[:end])
	if end-w > i {
		return end - w - i
	}
	return end - i
}

// matchGPT2 is 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+.
func matchGPT2(s string, i int) int {
	if n := contraction(s, i, false); n > 0 {
		return n
	}
	r, w := at(s, i)
	start := i
	if r == ' ' {
		if r2, _ := at(s, i+w); r2 >= 0 && !unicode.IsSpace(r2) {
			start, r = i+w, r2
		}
	}
	switch {
	case unicode.IsLetter(r):
		return runEnd(s, start, unicode.IsLetter) - i
	case unicode.IsNumber(r):
		return runEnd(s, start, unicode.IsNumber) - i
	case isOther(r):
		return runEnd(s, start, isOther) - i
	}
	return spaceTail(s, i)
}

// matchLlama3 is llama 3's pattern, with \p{N}{1,maxDigits} (3 for llama 3,
// 1 for Qwen2):
// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
// ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
func matchLlama3(maxDigits int) matcher {
	return func(s string, i int) int {
		if n := contraction(s, i, true); n > 0 {
			return n
		}
		r, w := at(s, i)
		if unicode.IsLetter(r) {
			return runEnd(s, i, unicode.IsLetter) - i
		}
		r2, _ := at(s, i+w)
		if !isNewline(r) && !unicode.IsNumber(r) && unicode.IsLetter(r2) {
			return runEnd(s, i+w, unicode.IsLetter) - i
		}
		if unicode.IsNumber(r) {
			j := i
			for k := 0; k < maxDigits && j < len(s); k++ {
				c, cw := at(s, j)
				if !unicode.IsNumber(c) {
					break
				}
				j += cw
			}
			return j - i
		}
		if isOther(r) || (r == ' ' && isOther(r2)) {
			start := i
			if r == ' ' {
				start = i + w
			}
			end := runEnd(s, start, isOther)
			return runEnd(s, end, isNewline) - i
		}
		return newlineOrSpaceTail(s, i)
	}
}

// newlineOrSpaceTail is \s*[\r\n]+|\s+(?!\S)|\s+ at a whitespace rune: a
// whitespace run that holds a newline ends after its last newline.
func newlineOrSpaceTail(s string, i int) int {
	end := runEnd(s, i, unicode.IsSpace)
	for j := end - 1; j >= i; j-- {
		if s[j] == '\n' || s[j] == '\r' {
			return j + 1 - i
		}
	}
	return spaceTail(s, i)
}

// deepseekLetters is the letter class of DeepSeek LLM's second pattern,
// [A-Za-zµÀ-ÖØ-öø-ƺ...𞤀-𞥃]: the cased letters of the scripts that have case.
// The upstream source text has been seen NFC-normalised, which turns
// 'Ὗ-ώ' (U+1F5F-U+1F7D), 'ῐ-ΐ', 'ῖ-Ί', 'ι', 'Ω' and 'K-ℭ' (Kelvin sign) into
// different or inverted ranges; the ranges below are the intended ones.
var deepseekLetters = &unicode.RangeTable{
	R16: []unicode.Range16{
		{0x0041, 0x005A, 1}, {0x0061, 0x007A, 1}, {0x00B5, 0x00B5, 1}, {0x00C0, 0x00D6, 1},
		{0x00D8, 0x00F6, 1}, {0x00F8, 0x01BA, 1}, {0x01BC, 0x01BF, 1}, {0x01C4, 0x0293, 1},
		{0x0295, 0x02AF, 1}, {0x0370, 0x0373, 1}, {0x0376, 0x0377, 1}, {0x037B, 0x037D, 1},
		{0x037F, 0x037F, 1}, {0x0386, 0x0386, 1}, {0x0388, 0x038A, 1}, {0x038C, 0x038C, 1},
		{0x038E, 0x03A1, 1}, {0x03A3, 0x03F5, 1}, {0x03F7, 0x0481, 1}, {0x048A, 0x052F, 1},
		{0x0531, 0x0556, 1}, {0x10A0, 0x10C5, 1}, {0x13A0, 0x13F5, 1}, {0x13F8, 0x13FD, 1},
		{0x1C90, 0x1CBA, 1}, {0x1CBD, 0x1CBF, 1}, {0x1D00, 0x1D2B, 1}, {0x1D6B, 0x1D77, 1},
		{0x1D79, 0x1D9A, 1}, {0x1E00, 0x1F15, 1}, {0x1F18, 0x1F1D, 1}, {0x1F20, 0x1F45, 1},
		{0x1F48, 0x1F4D, 1}, {0x1F50, 0x1F57, 1}, {0x1F59, 0x1F59, 1}, {0x1F5B, 0x1F5B, 1},
		{0x1F5D, 0x1F5D, 1}, {0x1F5F, 0x1F7D, 1}, {0x1F80, 0x1FB4, 1}, {0x1FB6, 0x1FBC, 1},
		{0x1FBE, 0x1FBE, 1}, {0x1FC2, 0x1FC4, 1}, {0x1FC6, 0x1FCC, 1}, {0x1FD0, 0x1FD3, 1},
		{0x1FD6, 0x1FDB, 1}, {0x1FE0, 0x1FEC, 1}, {0x1FF2, 0x1FF4, 1}, {0x1FF6, 0x1FFC, 1},
		{0x2102, 0x2102, 1}, {0x2107, 0x2107, 1}, {0x210A, 0x2113, 1}, {0x2115, 0x2115, 1},
		{0x2119, 0x211D, 1}, {0x2124, 0x2124, 1}, {0x2126, 0x2126, 1}, {0x2128, 0x2128, 1},
		{0x212A, 0x212D, 1}, {0x212F, 0x2134, 1}, {0x2139, 0x2139, 1}, {0x213C, 0x213F, 1},
		{0x2145, 0x2149, 1}, {0x214E, 0x214E, 1}, {0x2183, 0x2184, 1}, {0x2C00, 0x2C7B, 1},
		{0x2C7E, 0x2CE4, 1}, {0x2CEB, 0x2CEE, 1}, {0x2CF2, 0x2CF3, 1}, {0xA640, 0xA66D, 1},
		{0xA680, 0xA69B, 1}, {0xA722, 0xA76F, 1}, {0xA771, 0xA787, 1}, {0xA78B, 0xA78E, 1},
		{0xAB70, 0xABBF, 1}, {0xFB00, 0xFB06, 1}, {0xFB13, 0xFB17, 1}, {0xFF21, 0xFF3A, 1},
		{0xFF41, 0xFF5A, 1},
	},
	R32: []unicode.Range32{
		{0x10400, 0x1044F, 1}, {0x104B0, 0x104D3, 1}, {0x104D8, 0x104FB, 1}, {0x10C80, 0x10CB2, 1},
		{0x10CC0, 0x10CF2, 1}, {0x118A0, 0x118DF, 1}, {0x1E900, 0x1E943, 1},
	},
	LatinOffset: 5,
}

// deepseekPunct is [!-/:-~！-／：-～‘-‟　-。].
var deepseekPunct = &unicode.RangeTable{
	R16: []unicode.Range16{
		{0x0021, 0x002F, 1}, {0x003A, 0x007E, 1}, {0x2018, 0x201F, 1}, {0x3000, 0x3002, 1},
		{0xFF01, 0xFF0F, 1}, {0xFF1A, 0xFF5E, 1},
	},
	LatinOffset: 2,
}

func isDeepseekLetter(r rune) bool { return r >= 0 && unicode.Is(deepseekLetters, r) }
func isDeepseekPunct(r rune) bool  { return r >= 0 && unicode.Is(deepseekPunct, r) }
