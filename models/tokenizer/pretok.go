package tokenizer

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Pre-tokenizers cut text into words before BPE; each word is encoded on
// its own. llama.cpp writes them as regex lists with Unicode classes and
// lookahead (\s+(?!\S)), which Go's regexp lacks, so each pattern here is a
// small hand-written matcher. A list of patterns applies in turn: each
// pattern cuts every piece left by the previous one, and the text between
// its matches stays a piece of its own (llama.cpp's unicode_regex_split).

// splitter cuts text into pieces that concatenate back to it.
type splitter func(text string) []string

// matcher returns the byte length of the pattern's match at s[i:], 0 if none.
// It sees only the current piece: lookahead and $ stop at the piece's end.
type matcher func(s string, i int) int

// pieceSplitter appends the pieces of s to out.
type pieceSplitter func(out []string, s string) []string

type preConfig struct {
	split        splitter
	ignoreMerges bool // a word that is a whole token skips merging (llama 3)
	addBOS       bool
	cleanSpaces  bool // Decode applies llama.cpp's clean_up_tokenization_spaces
}

var (
	gpt2Seq   = sequence(byMatcher(matchGPT2))
	llama3Seq = sequence(byMatcher(matchLlama3(3)))
	qwen2Seq  = sequence(byMatcher(matchLlama3(1)))
)

// preTokenizers maps tokenizer.ggml.pre to its splitter and flags, as
// llama.cpp's llama_vocab::impl::load assigns them.
var preTokenizers = map[string]preConfig{
	"default": {split: sequence(byMatcher(runOf(isDefaultPunct)), byMatcher(matchGPT2),
		byMatcher(runOf(unicode.IsNumber)), byMatcher(matchThreeASCIIDigits)), cleanSpaces: true},
	"gpt-2":       {split: gpt2Seq, cleanSpaces: true},
	"phi-2":       {split: gpt2Seq, cleanSpaces: true},
	"roberta-bpe": {split: gpt2Seq, cleanSpaces: true},
	"mpt":         {split: gpt2Seq, cleanSpaces: true},
	"olmo":        {split: gpt2Seq, cleanSpaces: true},
	"jais":        {split: gpt2Seq, cleanSpaces: true},
	"starcoder":   {split: sequence(byMatcher(one(unicode.IsNumber)), byMatcher(matchGPT2)), cleanSpaces: true},
	"refact":      {split: sequence(byMatcher(one(unicode.IsNumber)), byMatcher(matchGPT2)), cleanSpaces: true},
	"command-r":   {split: sequence(byMatcher(one(unicode.IsNumber)), byMatcher(matchGPT2))},
	"smollm":      {split: sequence(byMatcher(one(unicode.IsNumber)), byMatcher(matchGPT2))},
	"falcon": {split: sequence(byMatcher(runOf(isFalconPunct)), byMatcher(matchGPT2),
		byMatcher(matchThreeASCIIDigits)), cleanSpaces: true},
	"llama-bpe":        {split: llama3Seq, ignoreMerges: true, addBOS: true, cleanSpaces: true},
	"llama3":           {split: llama3Seq, ignoreMerges: true, addBOS: true, cleanSpaces: true},
	"llama-v3":         {split: llama3Seq, ignoreMerges: true, addBOS: true, cleanSpaces: true},
	"falcon3":          {split: llama3Seq, ignoreMerges: true, addBOS: true, cleanSpaces: true},
	"dbrx":             {split: llama3Seq, cleanSpaces: true},
	"smaug-bpe":        {split: llama3Seq, cleanSpaces: true},
	"qwen2":            {split: qwen2Seq},
	"deepseek-r1-qwen": {split: qwen2Seq},
	"stablelm2":        {split: qwen2Seq, cleanSpaces: true},
	"deepseek-coder": {split: sequence(byMatcher(one(isNewline)), byMatcher(optSpaceRun(unicode.IsLetter)),
		byMatcher(optSpaceRun(unicode.IsPunct)), byMatcher(runOf(isCJK)), byMatcher(one(unicode.IsNumber)))},
	"deepseek-llm": {split: sequence(byMatcher(one(isNewline)), byMatcher(optSpaceRun(isDeepseekLetter)),
		byMatcher(optSpaceRun(isDeepseekPunct)), splitTrailingSpace, byMatcher(runOf(isCJK)),
		byMatcher(runOf(unicode.IsNumber)))},
}

func knownPre() string {
	names := make([]string, 0, len(preTokenizers))
	for n := range preTokenizers {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// sequence applies piece splitters in turn.
func sequence(steps ...pieceSplitter) splitter {
	return func(text string) []string {
		if text == "" {
			return nil
		}
		pieces := []string{text}
		for _, step := range steps {
			next := make([]string, 0, len(pieces)*2)
			for _, p := range pieces {
				next = step(next, p)
			}
			pieces = next
		}
		return pieces
	}
}

// byMatcher finds the leftmost matches of m in s, keeping the text between
// them as pieces.
func byMatcher(m matcher) pieceSplitter {
	return func(out []string, s string) []string {
		last := 0
		for i := 0; i < len(s); {
			if n := m(s, i); n > 0 {
				if i > last {
					out = append(out, s[last:i])
				}
				out = append(out, s[i:i+n])
				i += n
				last = i
				continue
			}
			_, w := utf8.DecodeRuneInString(s[i:])
			i += w
		}
		if last < len(s) {
			out = append(out, s[last:])
		}
		return out
	}
}

// splitTrailingSpace is \s+$: the piece's trailing whitespace, if any,
// becomes its own piece. Written out rather than as a matcher so that a
// long inner whitespace run is not rescanned from every position.
func splitTrailingSpace(out []string, s string) []string {
	start := len(s)
	for start > 0 {
		r, w := utf8.DecodeLastRuneInString(s[:start])
		if !unicode.IsSpace(r) {
			break
		}
		start -= w
	}
	if start > 0 {
		out = append(out, s[:start])
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// at decodes the rune at s[i:]; at the end it returns -1.
func at(s string, i int) (rune, int) {
	if i >= len(s) {
		return -1, 0
	}
	return utf8.DecodeRuneInString(s[i:])
}

// runEnd returns the end of the run of runes from i that satisfy in.
func runEnd(s string, i int, in func(rune) bool) int {
	for i < len(s) {
		r, w := at(s, i)
		if !in(r) {
			break
		}
		i += w
	}
	return i
}

// runOf is X+.
func runOf(in func(rune) bool) matcher {
	return func(s string, i int) int { return runEnd(s, i, in) - i }
}

// one is X.
func one(in func(rune) bool) matcher {
	return func(s string, i int) int {
		if r, w := at(s, i); in(r) {
			return w
		}
		return 0
	}
}

// optSpaceRun is \s?X+: the regex tries the space first and backs off to X+
// alone when no X follows the space.
func optSpaceRun(in func(rune) bool) matcher {
	return func(s string, i int) int {
		r, w := at(s, i)
		if unicode.IsSpace(r) {
			if r2, _ := at(s, i+w); in(r2) {
				return runEnd(s, i+w, in) - i
			}
		}
		return runEnd(s, i, in) - i
	}
}

func matchThreeASCIIDigits(s string, i int) int {
	if i+3 <= len(s) && isASCIIDigit(s[i]) && isASCIIDigit(s[i+1]) && isASCIIDigit(s[i+2]) {
		return 3
	}
	return 0
}

func isASCIIDigit(b byte) bool { return b >= '0' && b <= '9' }
func isNewline(r rune) bool    { return r == '\r' || r == '\n' }

// isOther is [^\s\p{L}\p{N}].
func isOther(r rune) bool {
	return r >= 0 && !unicode.IsSpace(r) && !unicode.IsLetter(r) && !unicode.IsNumber(r)
}

// isDefaultPunct is [\p{P}\$\+<=>\^~\|].
func isDefaultPunct(r rune) bool { return unicode.IsPunct(r) || strings.ContainsRune("$+<=>^~|", r) }

// isFalconPunct is [\p{P}\$\+<=>\^~\|`].
func isFalconPunct(r rune) bool { return isDefaultPunct(r) || r == '`' }

// isCJK is [一-龥ࠀ-一가-퟿].
func isCJK(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FA5) || (r >= 0x0800 && r <= 0x4E00) || (r >= 0xAC00 && r <= 0xD7FF)
}
