// Package tokenizer turns text into token ids and back for the vocabularies
// stored in GGUF metadata: SentencePiece-style vocabularies
// (tokenizer.ggml.model = "llama") and byte-level BPE vocabularies
// (tokenizer.ggml.model = "gpt2"). Its output is meant to equal llama.cpp's
// token for token, so the reference outputs and test vectors made with
// llama.cpp apply unchanged.
//
// Threading: a *Tokenizer is immutable once FromGGUF returns; Encode, Decode
// and every accessor may be called from many goroutines at once. A *Decoder
// holds the bytes of an unfinished UTF-8 character and belongs to one
// goroutine (one generated sequence).
//
// Invariants:
//   - token ids are int32 in [0, VocabSize()); every id the tokenizer stores
//     (BOS, EOS, UNK, EOT, EOM, merge results) was range-checked at load;
//   - token texts are unique (a vocabulary with duplicates is rejected, as
//     llama.cpp rejects it), so text -> id is a function;
//   - Encode never panics on any input, valid UTF-8 or not, and returns ids
//     in range; Decode(Encode(s)) == s for valid UTF-8 wherever llama.cpp
//     round-trips too (not for a literal ▁ in SentencePiece input, which
//     reads as a space, nor through GPT-2's clean-up of " ," and " 's");
//   - pre-tokenizer splitters return pieces that concatenate back to their
//     input, byte for byte.
package tokenizer
