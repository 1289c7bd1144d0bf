package cli

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/vkllm/vkllm/models/llama"
)

// inspectCommand describes a model file.
func inspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "describe a GGUF model: hyper-parameters, tokenizer, tensors, KV cost",
		ArgsUsage: "MODEL",
		Flags:     []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON"}},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return fmt.Errorf("inspect: want one MODEL argument, got %d", c.NArg())
			}
			model, err := resolveModel(c, c.Args().First())
			if err != nil {
				return err
			}
			info, err := llama.Inspect(model)
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return writeJSON(c.App.Writer, info)
			}
			printInfo(c.App.Writer, info)
			return nil
		},
	}
}

func printInfo(w io.Writer, in *llama.Info) {
	c := in.Config
	fmt.Fprintf(w, "file:         %s (%.2f MiB)\n", in.Path, float64(in.FileBytes)/(1<<20))
	fmt.Fprintf(w, "architecture: %s\n", c.Arch)
	fmt.Fprintf(w, "parameters:   %d (%.2fM)\n", in.Params, float64(in.Params)/1e6)
	fmt.Fprintf(w, "layers %d, dim %d, ffn %d, heads %d, kv heads %d, head dim %d, vocab %d, context %d\n",
		c.Layers, c.Dim, c.FFN, c.Heads, c.KVHeads, c.HeadDim, c.Vocab, c.Context)
	fmt.Fprintf(w, "rope base %g, rope dims %d, rms eps %g, tied output %v\n", c.RopeBase, c.RopeDims, c.NormEps, c.TiedOutput)
	t := in.Tokenizer
	if t.Error != "" {
		fmt.Fprintf(w, "tokenizer:    error: %s\n", t.Error)
	} else {
		fmt.Fprintf(w, "tokenizer:    %s, vocab %d, BOS %d, EOS %d\n", t.Model, t.Vocab, t.BOS, t.EOS)
	}
	fmt.Fprintf(w, "kv bytes/token: f32 %d, f16 %d, int8 %d\n",
		in.KVBytesPerToken["f32"], in.KVBytesPerToken["f16"], in.KVBytesPerToken["int8"])
	fmt.Fprintf(w, "tensors (%d):\n", len(in.Tensors))
	for _, ts := range in.Tensors {
		fmt.Fprintf(w, "  %-28s %-5s %-14s %d bytes\n", ts.Name, ts.Type, fmt.Sprint(ts.Dims), ts.Bytes)
	}
}
