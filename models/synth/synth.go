package synth

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vkllm/vkllm/models/gguf"
	"github.com/vkllm/vkllm/models/quant"
)

// fileTypes maps a matrix type to llama.cpp's general.file_type (enum
// llama_ftype, "mostly" that type; the K-quants take their _M variant).
var fileTypes = map[quant.Type]uint32{
	quant.F32:  0,
	quant.F16:  1,
	quant.Q4_0: 2,
	quant.Q4_1: 3,
	quant.Q8_0: 7,
	quant.Q5_0: 8,
	quant.Q5_1: 9,
	quant.Q2_K: 10,
	quant.Q3_K: 12,
	quant.Q4_K: 15,
	quant.Q5_K: 17,
	quant.Q6_K: 18,
	quant.BF16: 32,
}

// quantizationVersion is general.quantization_version, which llama.cpp
// writes for quantized files (the current ggml block layouts are version 2).
const quantizationVersion = 2

// WriteFile writes the model described by cfg to path through a temporary
// file in the same folder and a rename, so no reader ever sees a partial
// model and a failed write leaves nothing behind.
func WriteFile(path string, cfg Config) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// CreateTemp makes the file private; a model is an ordinary output file.
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err = Write(bw, cfg); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}

// Write writes the model described by cfg to w as GGUF.
func Write(w io.Writer, cfg Config) error {
	cfg, vocab, err := resolve(cfg)
	if err != nil {
		return err
	}
	specs := cfg.plan()
	hdr, err := header(append(metadata(cfg), vocab...), specs)
	if err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return fmt.Errorf("synth: write header: %w", err)
	}
	return writeData(w, cfg.Seed, specs)
}

// Resolve returns cfg with its defaults filled in and Vocab taken from the
// tokenizer (VocabFrom's size, or the whole built-in vocabulary when zero),
// after validating it: the configuration Write will use.
func Resolve(cfg Config) (Config, error) {
	cfg, _, err := resolve(cfg)
	return cfg, err
}

func resolve(cfg Config) (Config, []gguf.KV, error) {
	cfg = cfg.withDefaults()
	cfg, err := cfg.resolveMix()
	if err != nil {
		return cfg, nil, err
	}
	if err := checkType(cfg.Type); err != nil {
		return cfg, nil, err
	}
	var vocab []gguf.KV
	if cfg.VocabFrom != "" {
		var n int
		vocab, n, err = copiedVocab(cfg.VocabFrom)
		if err == nil && cfg.Vocab != 0 && cfg.Vocab != n {
			err = fmt.Errorf("synth: vocab %d does not match the %d tokens of %s", cfg.Vocab, n, cfg.VocabFrom)
		}
		cfg.Vocab = n
	} else {
		if cfg.Vocab == 0 {
			cfg.Vocab = MinVocab + len(builtinPieces())
		}
		vocab, err = builtinVocab(cfg.Vocab)
	}
	if err != nil {
		return cfg, nil, err
	}
	return cfg, vocab, cfg.validate()
}

// metadata returns the general.* and llama.* keys llama.cpp's llama loader
// reads, with the names and value types its converter writes.
func metadata(cfg Config) []gguf.KV {
	kv := []gguf.KV{
		gguf.Str("general.architecture", "llama"),
		gguf.Str("general.name", fmt.Sprintf("vkllm-synth-%dL-%dd", cfg.Layers, cfg.Dim)),
		gguf.U32("llama.vocab_size", uint32(cfg.Vocab)),
		gguf.U32("llama.context_length", uint32(cfg.Context)),
		gguf.U32("llama.embedding_length", uint32(cfg.Dim)),
		gguf.U32("llama.block_count", uint32(cfg.Layers)),
		gguf.U32("llama.feed_forward_length", uint32(cfg.FFN)),
		gguf.U32("llama.rope.dimension_count", uint32(cfg.HeadDim())),
		gguf.U32("llama.attention.head_count", uint32(cfg.Heads)),
		gguf.U32("llama.attention.head_count_kv", uint32(cfg.KVHeads)),
		gguf.F32("llama.attention.layer_norm_rms_epsilon", cfg.NormEps),
		gguf.F32("llama.rope.freq_base", cfg.RopeBase),
		gguf.U32("general.file_type", fileTypes[cfg.Type]),
	}
	if cfg.Type.BlockSize() > 1 {
		kv = append(kv, gguf.U32("general.quantization_version", quantizationVersion))
	}
	return kv
}

// checkType reports whether weights can be written as t: llama.cpp must have
// a file type for it and quant must be able to produce it (probed with an
// empty row, so the answer follows quant as it grows).
func checkType(t quant.Type) error {
	if writable(t) {
		return nil
	}
	var ok []string
	for _, u := range slices.Sorted(maps.Keys(fileTypes)) {
		if writable(u) {
			ok = append(ok, u.String())
		}
	}
	return fmt.Errorf("synth: cannot write weights of type %v (supported: %s)", t, strings.Join(ok, ", "))
}

func writable(t quant.Type) bool {
	_, known := fileTypes[t]
	_, err := quant.Quantize(t, nil)
	return known && err == nil
}
