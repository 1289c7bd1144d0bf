package synth

import (
	"fmt"
	"strings"

	"github.com/vkllm/vkllm/models/quant"
)

// MixQ4KM is the Config.Mix that types tensors as llama.cpp's Q4_K_M
// recipe does (llama_tensor_get_type for LLAMA_FTYPE_MOSTLY_Q4_K_M, llama
// architecture, no importance matrix):
//   - output.weight: Q6_K (token_embd too when embeddings are tied, since
//     it is then the output projection);
//   - attn_v and ffn_down of layer i: Q6_K when moreBits(i), else Q4_K;
//   - every other matrix, token_embd included: Q4_K;
//   - norms: F32, as in every file.
//
// The file's general.file_type is 15 (MOSTLY_Q4_K_M), so Config.Type must be
// Q4_K or left as F32, its zero value; Resolve sets it to Q4_K. Q4_K and Q6_K
// rows hold 256-value super-blocks, so Dim and FFN must be multiples of 256.
const MixQ4KM = "q4_k_m"

// moreBits is llama.cpp's use_more_bits: the first and last eighth of the
// layers, and every third layer between them, get the larger type.
func moreBits(layer, layers int) bool {
	return layer < layers/8 || layer >= 7*layers/8 || (layer-layers/8)%3 == 2
}

// ParseWeights maps a weight type name as the CLI takes it ("f32", "q8_0",
// "q4_k", or the mix "q4_k_m") to Config.Type and Config.Mix.
func ParseWeights(s string) (quant.Type, string, error) {
	if strings.EqualFold(s, MixQ4KM) {
		return quant.Q4_K, MixQ4KM, nil
	}
	t, err := quant.ParseType(s)
	if err != nil {
		return 0, "", fmt.Errorf("synth: %w (or the mix %s)", err, MixQ4KM)
	}
	return t, "", nil
}

// resolveMix checks cfg.Mix against cfg.Type and sets the Type a mix
// implies.
func (cfg Config) resolveMix() (Config, error) {
	switch cfg.Mix {
	case "":
		return cfg, nil
	case MixQ4KM:
		if cfg.Type != quant.F32 && cfg.Type != quant.Q4_K {
			return cfg, fmt.Errorf("synth: mix %s has base type Q4_K, not %v", cfg.Mix, cfg.Type)
		}
		cfg.Type = quant.Q4_K
		return cfg, nil
	}
	return cfg, fmt.Errorf("synth: unknown mix %q (known: %s)", cfg.Mix, MixQ4KM)
}

// matrixType returns the type of matrix role ("attn_v", "ffn_down",
// "output", "token_embd", ...) in layer (-1 for tensors outside the blocks).
func (cfg Config) matrixType(role string, layer int) quant.Type {
	if cfg.Mix != MixQ4KM {
		return cfg.Type
	}
	switch role {
	case "output":
		return quant.Q6_K
	case "token_embd":
		if cfg.TiedEmbeddings {
			return quant.Q6_K
		}
	case "attn_v", "ffn_down":
		if moreBits(layer, cfg.Layers) {
			return quant.Q6_K
		}
	}
	return quant.Q4_K
}
