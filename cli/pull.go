package cli

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/vkllm/vkllm/models/hub"
)

// pullCommand downloads models into the cache without running them.
func pullCommand() *cli.Command {
	return &cli.Command{
		Name:      "pull",
		Usage:     "download models into the cache (resumable, verified)",
		ArgsUsage: "REF...  (hf://OWNER/REPO/PATH/FILE.gguf[@REVISION] or a catalogue name)",
		Description: "The cache is $VKLLM_MODELS, else the user cache folder's vkllm/models. $VKLLM_HF_ENDPOINT " +
			"replaces https://huggingface.co; $HF_TOKEN is sent for gated or private repositories. " +
			"Prints each file's path.",
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return fmt.Errorf("pull: want at least one REF")
			}
			ctx, stop := interruptible(c)
			defer stop()
			for _, ref := range c.Args().Slice() {
				h, err := hubClient(c, "pulling "+ref)
				if err != nil {
					return err
				}
				path, err := h.Pull(ctx, ref)
				if err != nil {
					return err
				}
				fmt.Fprintln(c.App.Writer, path)
			}
			return nil
		},
	}
}

// listCommand shows the cache, or the built-in catalogue.
func listCommand() *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list cached models with their sizes (--catalogue: the built-in names)",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "catalogue", Usage: "list the catalogue names usable with -m and pull"}},
		Action: func(c *cli.Context) error {
			if c.Bool("catalogue") {
				printCatalogue(c.App.Writer, hub.Catalogue())
				return nil
			}
			h, err := hubClient(c, "")
			if err != nil {
				return err
			}
			list, err := h.List()
			if err != nil {
				return err
			}
			printCache(c.App.Writer, h.Dir(), list)
			return nil
		},
	}
}

// rmCommand deletes cached models.
func rmCommand() *cli.Command {
	return &cli.Command{
		Name:      "rm",
		Usage:     "delete cached models (and any partial download of them)",
		ArgsUsage: "REF...",
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return fmt.Errorf("rm: want at least one REF")
			}
			h, err := hubClient(c, "")
			if err != nil {
				return err
			}
			for _, ref := range c.Args().Slice() {
				removed, err := h.Remove(ref)
				for _, p := range removed {
					fmt.Fprintln(c.App.Writer, "removed", p)
				}
				if err != nil {
					return err
				}
			}
			return nil
		},
	}
}

func printCache(w io.Writer, dir string, list []hub.Cached) {
	fmt.Fprintf(w, "cache: %s\n", dir)
	if len(list) == 0 {
		fmt.Fprintln(w, "(empty)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSIZE\tREFERENCE")
	var total int64
	for _, e := range list {
		name, ref := e.Name, e.Ref.String()
		if name == "" {
			name = "-"
		}
		if e.Partial {
			ref += "  (partial: pull again to resume)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, hub.FormatBytes(e.Size), ref)
		total += e.Size
	}
	tw.Flush()
	fmt.Fprintf(w, "%d files, %s\n", len(list), hub.FormatBytes(total))
}

func printCatalogue(w io.Writer, cat []hub.Entry) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSIZE\tSHA256\tDESCRIPTION")
	for _, e := range cat {
		size, sum := "?", "(unknown)"
		if e.Size > 0 {
			size = hub.FormatBytes(e.Size)
		}
		if e.SHA256 != "" {
			sum = e.SHA256[:12] + "…"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Name, size, sum, e.Description)
		fmt.Fprintf(tw, "\t\t\t  %s\n", e.Ref)
	}
	tw.Flush()
	fmt.Fprintf(w, "default model (vkllm run without -m): %s\n", hub.DefaultModel)
}
