package main

import (
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"runtime"
	"time"

	"github.com/go-gl/glfw/v3.3/glfw"

	"github.com/vkllm/vkllm"
)

// config is the command line.
type config struct {
	model      string
	prompt     string
	device     string // Vulkan device for the window (and the model when shared)
	engine     string // "shared" runs the model on the window's device; else an Options.Device
	width      int
	height     int
	frames     int
	screenshot string
	maxTokens  int
	parallel   int
	ctx        int
	maxSeqs    int
	kvType     string
	validation bool
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("desktop", flag.ContinueOnError)
	fs.StringVar(&c.model, "model", "", "GGUF model file (required)")
	fs.StringVar(&c.prompt, "prompt", "", "prompt to generate from at start")
	fs.StringVar(&c.device, "device", os.Getenv("VKLLM_DEVICE"), "Vulkan device: index, type or name substring")
	fs.StringVar(&c.engine, "engine", "shared", `where the model runs: "shared" (the window's Vulkan device), "cpu", or a device spec`)
	fs.IntVar(&c.width, "width", 800, "window width")
	fs.IntVar(&c.height, "height", 600, "window height")
	fs.IntVar(&c.frames, "frames", 0, "render this many frames, then exit (0: until the window closes)")
	fs.StringVar(&c.screenshot, "screenshot", "", "write the last presented frame to this PNG file")
	fs.IntVar(&c.maxTokens, "n", 200, "tokens to generate per prompt")
	fs.IntVar(&c.parallel, "parallel", 1, "sequences generated at once for each prompt (the first greedy, the others sampled)")
	fs.IntVar(&c.ctx, "ctx", 256, "context length per sequence")
	fs.IntVar(&c.maxSeqs, "max-seqs", 4, "sequences the engine runs at once (sizes the KV pool)")
	fs.StringVar(&c.kvType, "kv-type", "", "KV cache type: f32, f16, int8 (default: the engine's)")
	fs.BoolVar(&c.validation, "validation", false, "enable the Vulkan validation layer; its errors fail the run")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.model == "" {
		return c, errors.New("desktop: -model is required")
	}
	return c, nil
}

func main() {
	runtime.LockOSThread() // GLFW calls must come from the main thread
	c, err := parseFlags(os.Args[1:])
	if err == nil {
		err = run(c)
	}
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(c config) error {
	if err := glfw.Init(); err != nil {
		return fmt.Errorf("desktop: glfw: %w", err)
	}
	defer glfw.Terminate()
	if !glfw.VulkanSupported() {
		return errors.New("desktop: glfw finds no Vulkan loader")
	}
	glfw.WindowHint(glfw.ClientAPI, glfw.NoAPI)
	win, err := glfw.CreateWindow(c.width, c.height, "vkllm desktop", nil, nil)
	if err != nil {
		return fmt.Errorf("desktop: window: %w", err)
	}
	defer win.Destroy()
	p, err := newPresenter(win, c.device, c.validation, c.screenshot != "")
	if err != nil {
		return err
	}
	defer p.close()
	eng, err := openEngine(c, p)
	if err != nil {
		return err
	}
	defer eng.Close()
	a := newApp(eng, c)
	a.bindKeys(win)
	if err := a.loop(win, p); err != nil {
		return err
	}
	if c.screenshot != "" {
		if err := writeScreenshot(p, c.screenshot); err != nil {
			return err
		}
	}
	eng.Close()
	if n := p.inst.ValidationErrors(); n > 0 {
		return fmt.Errorf("desktop: %d Vulkan validation errors: %q", n, p.inst.ValidationMessages())
	}
	return nil
}

// openEngine starts vkllm, on the window's device unless -engine says
// otherwise: the raw handles and the queue lock go through Options.External.
func openEngine(c config, p *presenter) (*vkllm.Engine, error) {
	opt := vkllm.Options{ContextLength: c.ctx, MaxSeqs: c.maxSeqs, KVType: c.kvType}
	if c.engine == "shared" {
		x := p.dev.External()
		x.Options.NoPipelineCache = true
		opt.External = &x
	} else {
		opt.Device = c.engine
	}
	return vkllm.Open(c.model, opt)
}

func writeScreenshot(p *presenter, path string) error {
	img, err := p.lastFrame()
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("desktop: screenshot: %w", err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("desktop: screenshot: %w", err)
	}
	return f.Close()
}

// loop renders frames until the window closes or -frames are done.
func (a *app) loop(win *glfw.Window, p *presenter) error {
	r, err := NewRenderer(15)
	if err != nil {
		return err
	}
	var img *image.RGBA
	for frame := 0; !win.ShouldClose() && (a.cfg.frames == 0 || frame < a.cfg.frames); frame++ {
		glfw.PollEvents()
		if a.cfg.frames > 0 && frame > 0 {
			a.waitToken(2 * time.Second)
		}
		w, h := p.Size()
		if img == nil || img.Bounds().Dx() != w || img.Bounds().Dy() != h {
			img = image.NewRGBA(image.Rect(0, 0, w, h))
		}
		r.Draw(img, a.view(frame))
		if err := p.present(img); err != nil {
			return err
		}
	}
	return nil
}
