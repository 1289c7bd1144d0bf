package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/models/llama"
)

// kvShape is what the KV cache's size depends on.
type kvShape struct {
	Name    string `json:"model"`
	Layers  int    `json:"layers"`
	Heads   int    `json:"heads"`
	KVHeads int    `json:"kv_heads"`
	HeadDim int    `json:"head_dim"`
	Context int    `json:"-"` // trained context, the --ctx default
}

// kvConfigs are well-known shapes for --config (from each model's
// config.json: num_hidden_layers, num_attention_heads,
// num_key_value_heads, hidden_size / heads, max_position_embeddings).
var kvConfigs = []kvShape{
	{"llama2-7b", 32, 32, 32, 128, 4096},
	{"llama2-13b", 40, 40, 40, 128, 4096},
	{"llama2-70b", 80, 64, 8, 128, 4096},
	{"llama3-8b", 32, 32, 8, 128, 8192},
	{"llama3-70b", 80, 64, 8, 128, 8192},
	{"llama3.2-1b", 16, 32, 8, 64, 131072},
	{"llama3.2-3b", 28, 24, 8, 128, 131072},
	{"mistral-7b", 32, 32, 8, 128, 32768},
	{"mixtral-8x7b", 32, 32, 8, 128, 32768},
	{"qwen2.5-0.5b", 24, 14, 2, 64, 32768},
	{"qwen2.5-7b", 28, 28, 4, 128, 32768},
	{"qwen2.5-72b", 80, 64, 8, 128, 32768},
	{"tinyllama-1.1b", 22, 32, 4, 64, 2048},
}

func kvConfigNames() []string {
	var names []string
	for _, c := range kvConfigs {
		names = append(names, c.Name)
	}
	return names
}

// kvCommand prints the KV cache cost of a model per KV type.
func kvCommand() *cli.Command {
	return &cli.Command{
		Name:      "kv",
		Usage:     "KV cache bytes per token and memory for a context, per KV type, and what GQA saves",
		UsageText: "vkllm kv (-m MODEL | --config NAME) [--ctx N] [--seqs N] [--json]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Aliases: []string{"m"}, Usage: modelUsage},
			&cli.StringFlag{Name: "config", Usage: "a well-known shape: " + strings.Join(kvConfigNames(), ", ")},
			&cli.IntFlag{Name: "ctx", Usage: "context tokens per sequence (default: the model's)"},
			&cli.IntFlag{Name: "seqs", Value: 1, Usage: "sequences"},
			&cli.IntFlag{Name: "block-size", Value: 16, Usage: "KV block size in tokens"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
		},
		Action: runKV,
	}
}

func runKV(c *cli.Context) error {
	shape, err := kvShapeOf(c)
	if err != nil {
		return err
	}
	ctx := c.Int("ctx")
	if ctx <= 0 {
		ctx = shape.Context
	}
	rep, err := kvReport(shape, ctx, c.Int("seqs"), c.Int("block-size"))
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return writeJSON(c.App.Writer, rep)
	}
	printKV(c.App.Writer, rep)
	return nil
}

// kvShapeOf reads the shape from -m or --config (exactly one).
func kvShapeOf(c *cli.Context) (kvShape, error) {
	name, ref := c.String("config"), c.String("model")
	switch {
	case name != "" && ref != "":
		return kvShape{}, fmt.Errorf("kv: give -m or --config, not both")
	case name != "":
		i := slices.IndexFunc(kvConfigs, func(s kvShape) bool { return strings.EqualFold(s.Name, name) })
		if i < 0 {
			return kvShape{}, fmt.Errorf("kv: unknown config %q (known: %s)", name, strings.Join(kvConfigNames(), ", "))
		}
		return kvConfigs[i], nil
	case ref == "":
		return kvShape{}, fmt.Errorf("kv: give -m MODEL or --config NAME")
	}
	path, err := resolveModel(c, ref)
	if err != nil {
		return kvShape{}, err
	}
	info, err := llama.Inspect(path)
	if err != nil {
		return kvShape{}, err
	}
	m := info.Config
	return kvShape{Name: ref, Layers: m.Layers, Heads: m.Heads, KVHeads: m.KVHeads, HeadDim: m.HeadDim, Context: m.Context}, nil
}

// kvTypeCost is one KV type's cost.
type kvTypeCost struct {
	BytesPerToken int   `json:"bytes_per_token"`
	Bytes         int64 `json:"bytes"` // for ctx × seqs tokens, whole blocks
}

type kvReportJSON struct {
	kvShape
	Context              int                   `json:"context"`
	Seqs                 int                   `json:"seqs"`
	BlockSize            int                   `json:"block_size"`
	Types                map[string]kvTypeCost `json:"kv"`
	MHAF16BytesPerToken  int                   `json:"mha_f16_bytes_per_token"`
	MHAF16Bytes          int64                 `json:"mha_f16_bytes"`
	GQASavedFraction     float64               `json:"gqa_saved_fraction"`
	Int8VsF16Fraction    float64               `json:"int8_vs_f16"`
	Int8GQAVsMHAF16Ratio float64               `json:"int8_gqa_vs_mha_f16"`
}

// kvReport computes the costs from the layouts the pools use: a sequence
// of ctx tokens holds ceil(ctx/B) blocks in each of 2 × layers pools.
func kvReport(s kvShape, ctx, seqs, bs int) (kvReportJSON, error) {
	if ctx < 1 || seqs < 1 {
		return kvReportJSON{}, fmt.Errorf("kv: context %d and sequences %d must be positive", ctx, seqs)
	}
	r := kvReportJSON{kvShape: s, Context: ctx, Seqs: seqs, BlockSize: bs, Types: map[string]kvTypeCost{}}
	cost := func(t cache.KVType, kvHeads int) (kvTypeCost, error) {
		l := cache.Layout{Type: t, BlockSize: bs, KVHeads: kvHeads, HeadDim: s.HeadDim}
		if err := l.Validate(); err != nil {
			return kvTypeCost{}, fmt.Errorf("kv: %w", err)
		}
		blocks := int64((ctx+bs-1)/bs) * int64(seqs)
		return kvTypeCost{l.BytesPerToken(s.Layers), blocks * 2 * int64(s.Layers) * int64(l.BlockBytes())}, nil
	}
	for _, t := range []cache.KVType{cache.KVF32, cache.KVF16, cache.KVInt8} {
		c, err := cost(t, s.KVHeads)
		if err != nil {
			return r, err
		}
		r.Types[t.String()] = c
	}
	mha, err := cost(cache.KVF16, s.Heads)
	if err != nil {
		return r, err
	}
	r.MHAF16BytesPerToken, r.MHAF16Bytes = mha.BytesPerToken, mha.Bytes
	f16, i8 := r.Types["f16"], r.Types["int8"]
	r.GQASavedFraction = 1 - float64(f16.BytesPerToken)/float64(mha.BytesPerToken)
	r.Int8VsF16Fraction = float64(i8.BytesPerToken) / float64(f16.BytesPerToken)
	r.Int8GQAVsMHAF16Ratio = float64(i8.BytesPerToken) / float64(mha.BytesPerToken)
	return r, nil
}

func printKV(w io.Writer, r kvReportJSON) {
	fmt.Fprintf(w, "%s: %d layers, %d heads, %d KV heads, head dim %d\n", r.Name, r.Layers, r.Heads, r.KVHeads, r.HeadDim)
	fmt.Fprintf(w, "%d sequence(s) × %d tokens, blocks of %d tokens\n\n", r.Seqs, r.Context, r.BlockSize)
	fmt.Fprintf(w, "%-6s %14s %14s\n", "kv", "bytes/token", "memory")
	for _, t := range []string{"f32", "f16", "int8"} {
		c := r.Types[t]
		fmt.Fprintf(w, "%-6s %14d %14s\n", t, c.BytesPerToken, humanBytes(c.Bytes))
	}
	fmt.Fprintf(w, "\nMHA f16 (%d KV heads) would take %d bytes/token, %s: GQA saves %.1f%%\n",
		r.Heads, r.MHAF16BytesPerToken, humanBytes(r.MHAF16Bytes), 100*r.GQASavedFraction)
	fmt.Fprintf(w, "int8 is %.3f× f16; int8 GQA is %.3f× MHA f16\n", r.Int8VsF16Fraction, r.Int8GQAVsMHAF16Ratio)
}

// humanBytes formats n in binary units.
func humanBytes(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	v, i := float64(n), 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.2f %s", v, units[i])
}
