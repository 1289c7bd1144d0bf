package cli

import (
	"context"
	"log/slog"
	"os"
	"os/signal"

	"github.com/urfave/cli/v2"

	"github.com/vkllm/vkllm/models/hub"
)

// modelUsage describes what -m accepts, for every command that loads a model.
const modelUsage = "GGUF model: a file, hf://OWNER/REPO/PATH/FILE.gguf[@REVISION], or a catalogue name " +
	"(vkllm list --catalogue); remote models are pulled into the cache on first use"

// resolveModel turns a model reference (empty: hub.DefaultModel) into a
// local file, pulling it into the cache first when it is remote.
func resolveModel(c *cli.Context, ref string) (string, error) {
	if ref == "" {
		ref = hub.DefaultModel
	}
	src, err := hub.Locate(ref, fileExists)
	if err != nil || src.Local != "" { // a local path needs no cache folder
		return src.Local, err
	}
	h, err := hubClient(c, "pulling "+ref)
	if err != nil {
		return "", err
	}
	ctx, stop := interruptible(c)
	defer stop()
	return h.Resolve(ctx, ref)
}

// hubClient returns a cache client configured from the environment, logging
// to the app's error writer, with a progress bar there when it is a
// terminal (otherwise hub logs a progress line every few seconds).
func hubClient(c *cli.Context, label string) (*hub.Client, error) {
	opt, err := hub.EnvOptions()
	if err != nil {
		return nil, err
	}
	opt.Logger = slog.New(slog.NewTextHandler(c.App.ErrWriter, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{} // one-shot command: the time adds nothing
			}
			return a
		},
	}))
	if f, ok := c.App.ErrWriter.(*os.File); ok && isTerminal(f) {
		opt.Progress = transferBar(f, label)
	}
	return hub.New(opt)
}

// interruptible returns the command's context, cancelled by Ctrl-C, so a
// download stops cleanly and leaves a resumable partial file.
func interruptible(c *cli.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(c.Context, os.Interrupt)
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}
