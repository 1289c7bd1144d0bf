package cli

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/vkllm/vkllm/models/tokenizer"
)

// tokenizeOptions are the flags of vkllm tokenize.
type tokenizeOptions struct {
	Model   string
	Text    string
	NoBOS   bool
	Special bool // parse control-token text such as <s> as the token
	Show    bool
}

// tokenizeCommand prints the token ids of a text.
func tokenizeCommand() *cli.Command {
	return &cli.Command{
		Name:      "tokenize",
		Usage:     "print the token ids of TEXT (or of stdin) for a model's vocabulary",
		ArgsUsage: "[TEXT|-]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Aliases: []string{"m"}, Usage: "GGUF model or vocabulary file", Required: true},
			&cli.BoolFlag{Name: "no-bos", Usage: "do not add BOS even where the vocabulary asks for it"},
			&cli.BoolFlag{Name: "special", Usage: "turn control-token text such as <s> into its token"},
			&cli.BoolFlag{Name: "show", Usage: "print one token per line: id and piece"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return fmt.Errorf("tokenize: want one TEXT argument (quote it), got %d", c.NArg())
			}
			opt := tokenizeOptions{Model: c.String("model"), Text: c.Args().First(),
				NoBOS: c.Bool("no-bos"), Special: c.Bool("special"), Show: c.Bool("show")}
			if c.NArg() == 0 || opt.Text == "-" {
				b, err := io.ReadAll(c.App.Reader)
				if err != nil {
					return fmt.Errorf("tokenize: read stdin: %w", err)
				}
				opt.Text = strings.TrimSuffix(string(b), "\n")
			}
			return runTokenize(c.App.Writer, opt)
		},
	}
}

func runTokenize(w io.Writer, opt tokenizeOptions) error {
	tok, err := tokenizer.FromFile(opt.Model)
	if err != nil {
		return fmt.Errorf("tokenize: %w", err)
	}
	var ids []int32
	if opt.Special {
		ids = tok.EncodeWithSpecial(opt.Text, !opt.NoBOS)
	} else {
		ids = tok.Encode(opt.Text, !opt.NoBOS)
	}
	if opt.Show {
		for _, id := range ids {
			piece := tok.Piece(id)
			if !utf8.ValidString(piece) {
				piece = tok.TokenText(id) // a byte token's lone byte: show <0xNN>
			}
			fmt.Fprintf(w, "%6d -> '%s'\n", id, piece)
		}
		return nil
	}
	strs := make([]string, len(ids))
	for i, id := range ids {
		strs[i] = fmt.Sprint(id)
	}
	_, err = fmt.Fprintln(w, strings.Join(strs, " "))
	return err
}
