package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/models/hub"
	"github.com/vkllm/vkllm/models/tokenizer"
	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/runtime/engine"
	"github.com/vkllm/vkllm/runtime/runner"
	"github.com/vkllm/vkllm/server"
)

// serveCommand runs the OpenAI-compatible HTTP server.
func serveCommand() *cli.Command {
	return &cli.Command{
		Name:      "serve",
		Usage:     "serve a model over an OpenAI-compatible HTTP API",
		UsageText: "vkllm serve [-m MODEL] [--host 127.0.0.1] [--port 8080] [options]",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "model", Aliases: []string{"m"}, Usage: modelUsage + " (default: " + hub.DefaultModel + ")"},
			&cli.StringFlag{Name: "host", Value: "127.0.0.1", Usage: "address to listen on"},
			&cli.IntFlag{Name: "port", Value: 8080, Usage: "TCP port (0: any free port)"},
			&cli.StringFlag{Name: "name", Usage: "model id in the API (default: the file name without .gguf)"},
			&cli.IntFlag{Name: "max-seqs", Value: runner.DefaultMaxSeqs, Usage: "sequences computed together at most"},
			&cli.IntFlag{Name: "max-requests", Value: server.DefaultMaxRequests, Usage: "requests queued or running at most; more get 429"},
			&cli.IntFlag{Name: "ctx", Usage: "context size in tokens per sequence (default: the model's)"},
			&cli.IntFlag{Name: "kv-blocks", Usage: "KV pool blocks (default: max-seqs full contexts; Vulkan: within half the free memory)"},
			&cli.StringFlag{Name: "kv-mem", Usage: "Vulkan: KV pool byte budget, e.g. 2GiB or 512MiB"},
			&cli.StringFlag{Name: "chat-template", Usage: "Jinja chat template file (default: the model's tokenizer.chat_template, else ChatML)"},
			&cli.IntFlag{Name: "threads", Usage: "CPU threads (default: all cores)"},
			&cli.DurationFlag{Name: "shutdown-timeout", Value: 10 * time.Second, Usage: "on SIGINT/SIGTERM, time running requests get to finish before they are cancelled"},
		}, backendFlags()...),
		Action: runServe,
	}
}

// swapHandler answers with the latest stored handler: Loading while the
// model loads, then the server.
type swapHandler struct{ h atomic.Pointer[http.Handler] }

func (s *swapHandler) set(h http.Handler) { s.h.Store(&h) }
func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

func runServe(c *cli.Context) error {
	// Signals are caught from here on, so one arriving while the model
	// loads also ends the command cleanly.
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", net.JoinHostPort(c.String("host"), strconv.Itoa(c.Int("port"))))
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	var h swapHandler
	h.set(server.Loading())
	hs := &http.Server{Handler: &h, ReadHeaderTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(c.App.ErrWriter, "listening on http://%s\n", ln.Addr())

	b, err := loadBackend(c)
	if err != nil {
		hs.Close()
		return err
	}
	defer b.close()
	s, err := server.New(b.opt, server.FromRunner(b.r))
	if err != nil {
		hs.Close()
		return err
	}
	h.set(s)
	fmt.Fprintf(c.App.ErrWriter, "serving %s on %s (context %d, %d sequences at once)\n", b.opt.ModelName, b.device, b.opt.Context, c.Int("max-seqs"))
	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	}
	return shutdown(c, hs, s, b.r)
}

// shutdown stops admitting (503), lets running requests finish within
// --shutdown-timeout, then cancels what is left and closes the listener.
func shutdown(c *cli.Context, hs *http.Server, s *server.Server, r *runner.Runner) error {
	fmt.Fprintf(c.App.ErrWriter, "shutting down: %d requests in flight\n", s.Inflight())
	s.Drain()
	ctx, cancel := context.WithTimeout(context.Background(), c.Duration("shutdown-timeout"))
	defer cancel()
	err := hs.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		// Closing the runner ends every request with "cancelled"; their
		// handlers then answer 503 and return.
		fmt.Fprintf(c.App.ErrWriter, "shutdown timeout: cancelling %d requests\n", s.Inflight())
		r.Close()
		ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel2()
		if err = hs.Shutdown(ctx2); err != nil {
			hs.Close()
		}
		return nil
	}
	return err
}

// backend is a loaded model and its serving loop.
type backend struct {
	opt     server.Options
	r       *runner.Runner
	device  string
	closers []func()
}

func (b *backend) close() {
	for i := len(b.closers) - 1; i >= 0; i-- {
		b.closers[i]()
	}
}

// loadBackend opens the model and starts the runner on the chosen device.
func loadBackend(c *cli.Context) (*backend, error) {
	useEngine, err := engine.UseEngine(c.String("device"))
	if err != nil {
		return nil, err
	}
	path, err := resolveModel(c, c.String("model"))
	if err != nil {
		return nil, err
	}
	l, err := cpu.Open(path)
	if err != nil {
		return nil, err
	}
	b := &backend{closers: []func(){func() { l.Close() }}}
	if err := b.setup(c, l, path, useEngine); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

func (b *backend) setup(c *cli.Context, l *cpu.Loaded, path string, useEngine bool) error {
	tok, err := tokenizer.FromGGUF(l.File)
	if err != nil {
		return err
	}
	tpl, err := chatTemplate(c, l, tok)
	if err != nil {
		return err
	}
	kv, err := engine.KVType(c.String("kv-type"), useEngine)
	if err != nil {
		return err
	}
	ctx := c.Int("ctx")
	if ctx <= 0 || ctx > l.Model.Config.Context {
		ctx = l.Model.Config.Context
	}
	ro := runner.Options{MaxSeqs: c.Int("max-seqs"), Context: ctx}
	if useEngine {
		err = b.startEngine(c, l, tok, kv, ro)
	} else {
		b.device = "cpu"
		b.r, err = runner.NewCPU(l.Model, tok, runner.CPUOptions{Options: ro, KVType: kv, NumBlocks: c.Int("kv-blocks"),
			Backend: cpu.BackendOptions{Threads: c.Int("threads")}})
	}
	if err != nil {
		return err
	}
	b.closers = append(b.closers, func() { b.r.Close() })
	name := c.String("name")
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(path), ".gguf")
	}
	b.opt = server.Options{ModelName: name, Tokenizer: tok, ChatTemplate: tpl, Context: ctx, MaxRequests: c.Int("max-requests")}
	return nil
}

// startEngine runs the serving loop on the Vulkan engine through
// runner.NewEngine, the constructor run and bench share.
func (b *backend) startEngine(c *cli.Context, l *cpu.Loaded, tok *tokenizer.Tokenizer, kv cache.KVType, ro runner.Options) error {
	kvOpt, err := kvPoolOptions(c)
	if err != nil {
		return err
	}
	od, err := runner.NewEngine(l.Model, tok, runner.EngineOptions{Options: ro, Device: c.String("device"),
		Engine: engine.Options{KVType: kv, KV: kvOpt}})
	if err != nil {
		return err
	}
	b.closers = append(b.closers, func() { od.Close() })
	b.device = od.Vulkan.Device.Physical().Name + " (Vulkan)"
	b.r = od.Runner
	return nil
}

// chatTemplate reads --chat-template, else the model's template, else
// the server's fallback.
func chatTemplate(c *cli.Context, l *cpu.Loaded, tok *tokenizer.Tokenizer) (*server.ChatTemplate, error) {
	var src string
	if f := c.String("chat-template"); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("serve: %w", err)
		}
		src = string(data)
	} else if l.File.Has("tokenizer.chat_template") {
		s, err := l.File.String("tokenizer.chat_template")
		if err != nil {
			return nil, fmt.Errorf("serve: %w", err)
		}
		src = s
	}
	return server.NewChatTemplate(src, specialText(tok, tok.BOS()), specialText(tok, tok.EOS()))
}

func specialText(t *tokenizer.Tokenizer, id int32) string {
	if id < 0 {
		return ""
	}
	return t.TokenText(id)
}
