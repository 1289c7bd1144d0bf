package bench

import (
	"fmt"
	"math"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/models/gguf"
	"github.com/vkllm/vkllm/models/quant"
	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/runtime/engine"
	"github.com/vkllm/vkllm/runtime/runner"
)

// ModelInfo describes a model as llama-bench does.
type ModelInfo struct {
	Filename string // base name of the file
	Type     string // "<arch> <params> <weight type>", e.g. "llama 76M Q8_0"
	Size     int64  // tensor bytes
	Params   int64  // tensor elements
	Context  int    // trained context
}

// modelInfo sums f's tensors; the weight type is the one holding most bytes.
func modelInfo(path string, f *gguf.File, ctx int) ModelInfo {
	info := ModelInfo{Filename: filepath.Base(path), Context: ctx}
	bytes := map[quant.Type]int64{}
	for _, t := range f.Tensors {
		n, _ := t.Bytes() // validated by the reader
		info.Size += int64(n)
		info.Params += int64(t.Elements())
		bytes[t.Type] += int64(n)
	}
	var main quant.Type
	for t, n := range bytes {
		if n > bytes[main] || n == bytes[main] && t < main {
			main = t
		}
	}
	info.Type = fmt.Sprintf("%s %s %s", f.Arch(), humanCount(info.Params), strings.ToUpper(main.String()))
	return info
}

// humanCount writes n with a K, M or B suffix, as model names do.
func humanCount(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.3gB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.3gM", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.3gK", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

// target is a model loaded behind a runner on one backend.
type target struct {
	info      ModelInfo
	loaded    *cpu.Loaded
	r         *runner.Runner
	obs       *observer
	eng       *engine.Engine // nil on the CPU
	closeR    func()
	backend   string // CPU or Vulkan
	device    string
	kvType    cache.KVType
	threads   int
	batch     int // tokens per step at most
	blocks    int // KV pool blocks, the null block included
	blockSize int
}

func openTarget(opt Options, path string) (*target, error) {
	useEngine, err := engine.UseEngine(opt.Device)
	if err != nil {
		return nil, err
	}
	kv, err := engine.KVType(opt.KVType, useEngine)
	if err != nil {
		return nil, err
	}
	l, err := cpu.Open(path)
	if err != nil {
		return nil, err
	}
	t := &target{loaded: l, kvType: kv, threads: opt.Threads, info: modelInfo(path, l.File, l.Model.Config.Context)}
	if t.threads <= 0 {
		t.threads = goruntime.GOMAXPROCS(0)
	}
	ctx := opt.context()
	if ctx > l.Model.Config.Context {
		l.Close()
		return nil, fmt.Errorf("bench: %s: the tests need %d tokens per sequence, the model's context is %d",
			t.info.Filename, ctx, l.Model.Config.Context)
	}
	ro := runner.Options{MaxSeqs: slices.Max(opt.Concurrency), Context: ctx}
	if useEngine {
		err = t.openEngine(opt, ro)
	} else {
		err = t.openCPU(opt, ro)
	}
	if err != nil {
		l.Close()
		return nil, err
	}
	return t, nil
}

// openCPU builds the runner as runner.NewCPU does, with the observer
// around the CPU backend's Stepper.
func (t *target) openCPU(opt Options, ro runner.Options) error {
	m := t.loaded.Model
	t.blockSize = cpu.DefaultBlockSize
	l := cache.Layout{Type: t.kvType, BlockSize: t.blockSize, KVHeads: m.Config.KVHeads, HeadDim: m.Config.HeadDim}
	if err := l.Validate(); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	n := opt.KV.Blocks
	if opt.KV.Bytes > 0 {
		n = int(min(opt.KV.Bytes/uint64(2*m.Config.Layers*l.BlockBytes()), math.MaxInt32))
	}
	if n == 0 {
		n = ro.MaxSeqs*((ro.Context+t.blockSize-1)/t.blockSize) + 1
	}
	pool, err := cache.NewBlockPool(n, t.blockSize)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	kv, err := cache.NewHostPool(m.Config.Layers, l, n)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	be, err := cpu.NewBackend(m, kv, cpu.BackendOptions{Threads: opt.Threads})
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	t.obs = &observer{Stepper: runner.NewStepper(m, be)}
	r, err := runner.New(m, t.obs, pool, nil, ro)
	if err != nil {
		return err
	}
	t.r, t.closeR, t.blocks = r, func() { r.Close() }, n
	t.backend, t.device = "CPU", fmt.Sprintf("cpu (%d threads)", t.threads)
	t.batch = runner.DefaultMaxBatchTokens
	return nil
}

func (t *target) openEngine(opt Options, ro runner.Options) error {
	od, err := runner.NewEngine(t.loaded.Model, nil, runner.EngineOptions{Options: ro, Device: opt.Device,
		Engine: engine.Options{KVType: t.kvType, KV: opt.KV, Profile: opt.Profile},
		Wrap:   func(s runner.Stepper) runner.Stepper { t.obs = &observer{Stepper: s}; return t.obs }})
	if err != nil {
		return err
	}
	t.r, t.closeR, t.eng = od.Runner, func() { od.Close() }, od.Vulkan.Engine
	t.backend, t.device = "Vulkan", od.Vulkan.Device.Physical().Name
	t.blocks, t.blockSize = od.Vulkan.Engine.NumBlocks(), od.Vulkan.Engine.Layout().BlockSize
	t.batch = min(runner.DefaultMaxBatchTokens, od.Vulkan.Engine.MaxRows())
	return nil
}

// seqsAt returns how many sequences of n cached tokens (a full context
// of n) the pool holds at once: each needs ceil(n/B) blocks; block 0 is
// the null block.
func (t *target) seqsAt(n int) int {
	need := (n + t.blockSize - 1) / t.blockSize
	return (t.blocks - 1) / max(need, 1)
}

func (t *target) close() {
	t.closeR()
	t.loaded.Close()
}
