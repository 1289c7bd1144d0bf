package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/vkllm/vkllm"
)

// app is the UI state: the prompt being typed and the generation it
// started. Generation runs on its own goroutines; the render loop reads
// the state under mu.
type app struct {
	eng *vkllm.Engine
	cfg config

	mu     sync.Mutex
	prompt []rune
	output string
	status string
	cancel context.CancelFunc
	tokens chan struct{} // one send per token of the first sequence (dropped when full)
	done   chan struct{} // closed when the current generation ends
}

func newApp(eng *vkllm.Engine, cfg config) *app {
	a := &app{eng: eng, cfg: cfg, status: "type a prompt, Enter to generate", done: make(chan struct{})}
	close(a.done)
	if cfg.prompt != "" {
		a.prompt = []rune(cfg.prompt)
		a.start()
	}
	return a
}

func (a *app) bindKeys(win *glfw.Window) {
	win.SetCharCallback(func(_ *glfw.Window, r rune) {
		a.mu.Lock()
		a.prompt = append(a.prompt, r)
		a.mu.Unlock()
	})
	win.SetKeyCallback(func(w *glfw.Window, key glfw.Key, _ int, action glfw.Action, _ glfw.ModifierKey) {
		if action == glfw.Release {
			return
		}
		switch key {
		case glfw.KeyEnter, glfw.KeyKPEnter:
			a.start()
		case glfw.KeyBackspace:
			a.mu.Lock()
			if n := len(a.prompt); n > 0 {
				a.prompt = a.prompt[:n-1]
			}
			a.mu.Unlock()
		case glfw.KeyEscape:
			w.SetShouldClose(true)
		}
	})
}

// start cancels the running generation and generates from the prompt:
// -parallel sequences, the first greedy (its text is shown), the others
// sampled with their own seeds.
func (a *app) start() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cancel != nil {
		a.cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	a.output, a.status = "", "generating"
	a.tokens, a.done = make(chan struct{}, 4096), make(chan struct{})
	prompt := string(a.prompt)
	for i := range max(a.cfg.parallel, 1) {
		req := vkllm.Request{Prompt: prompt, MaxTokens: a.cfg.maxTokens}
		if i > 0 {
			req.Temperature, req.TopP, req.Seed = 0.9, 0.95, uint64(i)
		}
		go a.generate(ctx, req, i == 0, a.tokens, a.done)
	}
}

func (a *app) generate(ctx context.Context, req vkllm.Request, shown bool, tokens, done chan struct{}) {
	var err error
	for t, e := range a.eng.Generate(ctx, req) {
		if err = e; err != nil || !shown {
			continue
		}
		a.mu.Lock()
		if a.done == done {
			a.output += t.Text
		}
		a.mu.Unlock()
		select {
		case tokens <- struct{}{}:
		default:
		}
	}
	if !shown {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done != done {
		return // a newer prompt replaced this one
	}
	a.status = "done"
	if err != nil && ctx.Err() == nil {
		a.status = fmt.Sprintf("error: %v", err)
	}
	close(done)
}

// waitToken blocks until the shown sequence produced a token, ended, or
// timeout passed: -frames N then shows the state after about N tokens.
func (a *app) waitToken(timeout time.Duration) {
	a.mu.Lock()
	tokens, done := a.tokens, a.done
	a.mu.Unlock()
	select {
	case <-tokens:
	case <-done:
	case <-time.After(timeout):
	}
}

func (a *app) view(frame int) View {
	a.mu.Lock()
	defer a.mu.Unlock()
	info := a.eng.Info()
	return View{
		Title:  fmt.Sprintf("vkllm · %s on %s · KV %s, %d blocks of %d tokens", info.Model, info.Device, info.KVType, info.Blocks, info.BlockSize),
		Prompt: string(a.prompt), Cursor: frame/20%2 == 0, Output: a.output, Status: a.status,
		Stats: a.eng.Stats(),
	}
}
