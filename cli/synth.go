package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/vkllm/vkllm/models/synth"
)

// synthCommand writes a random-weight llama GGUF of a chosen shape.
func synthCommand() *cli.Command {
	return &cli.Command{
		Name:  "synth",
		Usage: "write a random-weight llama GGUF model of a given shape",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "layers", Value: 12, Usage: "transformer blocks"},
			&cli.IntFlag{Name: "dim", Value: 768, Usage: "embedding width"},
			&cli.IntFlag{Name: "ffn", Value: 2048, Usage: "feed-forward hidden width"},
			&cli.IntFlag{Name: "heads", Value: 12, Usage: "query heads"},
			&cli.IntFlag{Name: "kv-heads", Usage: "key/value heads (default: heads)"},
			&cli.IntFlag{Name: "vocab", Usage: "vocabulary size (default: the whole built-in vocabulary, or --vocab-from's)"},
			&cli.StringFlag{Name: "vocab-from", Usage: "copy the tokenizer of this GGUF model"},
			&cli.IntFlag{Name: "ctx", Value: synth.DefaultContext, Usage: "context length"},
			&cli.Float64Flag{Name: "rope-base", Value: synth.DefaultRopeBase, Usage: "RoPE frequency base"},
			&cli.Float64Flag{Name: "norm-eps", Value: synth.DefaultNormEps, Usage: "RMS norm epsilon"},
			&cli.StringFlag{Name: "type", Value: "f32", Usage: "weight type: f32, f16, bf16, q8_0, q4_0, q4_1, q4_k, q5_k, q6_k, or q4_k_m (llama.cpp's mix of q4_k and q6_k; dim and ffn multiples of 256)"},
			&cli.Uint64Flag{Name: "seed", Usage: "random seed (same seed, same bytes)"},
			&cli.BoolFlag{Name: "tied", Usage: "tie the output projection to the token embeddings"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Required: true, Usage: "output GGUF path"},
		},
		Action: runSynth,
	}
}

func runSynth(c *cli.Context) error {
	typ, mix, err := synth.ParseWeights(c.String("type"))
	if err != nil {
		return err
	}
	cfg, err := synth.Resolve(synth.Config{
		Layers: c.Int("layers"), Dim: c.Int("dim"), FFN: c.Int("ffn"),
		Heads: c.Int("heads"), KVHeads: c.Int("kv-heads"),
		Vocab: c.Int("vocab"), VocabFrom: c.String("vocab-from"), Context: c.Int("ctx"),
		RopeBase: float32(c.Float64("rope-base")), NormEps: float32(c.Float64("norm-eps")),
		Type: typ, Mix: mix, Seed: c.Uint64("seed"), TiedEmbeddings: c.Bool("tied"),
	})
	if err != nil {
		return err
	}
	out := c.String("output")
	if err := synth.WriteFile(out, cfg); err != nil {
		return err
	}
	st, err := os.Stat(out)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "synth: wrote %s: %s, %d layers, dim %d, ffn %d, heads %d/%d, vocab %d, %.1fM parameters, %.1f MiB\n",
		out, weightsName(cfg), cfg.Layers, cfg.Dim, cfg.FFN, cfg.Heads, cfg.KVHeads, cfg.Vocab,
		float64(cfg.ParamCount())/1e6, float64(st.Size())/(1<<20))
	return nil
}

// weightsName names the file's weight types as --type takes them.
func weightsName(cfg synth.Config) string {
	if cfg.Mix != "" {
		return strings.ToUpper(cfg.Mix)
	}
	return cfg.Type.String()
}
