package kernels

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/vkllm/vkllm/runtime/vk"
	"github.com/vkllm/vkllm/shaders"
)

// Case is one row of the selftest table: a kernel on one shape, compared
// with the CPU reference on random inputs for each variant.
type Case struct {
	Kernel string  // kernel name (a spec name, or rope_neox)
	Shape  string  // human-readable shape
	Bound  float64 // largest NMSE that passes
	Large  bool    // slow on CPU drivers; skipped by Short
	run    caseFunc
}

// Cases returns the selftest table. Later kernels add their rows at the
// end: a case's random inputs are seeded by its index, so rows inserted
// earlier would change the inputs of every case after them.
func Cases() []Case {
	var cs []Case
	cs = append(cs, elementwiseCases()...)
	cs = append(cs, rowCases()...)
	cs = append(cs, ropeCases(ropeShapes)...)
	cs = append(cs, matvecCases()...)
	cs = append(cs, fusedCases()...)
	cs = append(cs, attnCases()...)
	cs = append(cs, gluCases()...)
	cs = append(cs, ropeCases(ropeStridedShapes)...)
	return append(cs, prefillLanesCases()...)
}

// specName maps a case's kernel to its spec (rope_neox runs rope).
func (c Case) specName() string {
	if c.Kernel == "rope_neox" {
		return "rope"
	}
	return c.Kernel
}

// Result is one checked kernel, variant and shape.
type Result struct {
	Kernel   string        `json:"kernel"`
	Variant  string        `json:"variant"`
	Features string        `json:"device_features"` // features the device had enabled
	Shape    string        `json:"shape"`
	Pass     bool          `json:"pass"`
	NMSE     float64       `json:"nmse"`
	Bound    float64       `json:"bound"`
	GPUTime  time.Duration `json:"gpu_time_ns"`
	Wall     time.Duration `json:"wall_ns"` // the whole check: inputs, CPU reference, GPU run
	Err      string        `json:"error,omitempty"`
	// Skipped: the variant refused the shape on this device
	// (vk.ErrUnsupported, said in Err); Pass is false but it is no failure.
	Skipped bool `json:"skipped,omitempty"`
}

// Run checks every case on dev with every variant the device supports,
// the portable ones included, one check at a time. Inputs come from a
// fixed seed, so runs are reproducible. short skips Large cases.
func Run(dev *vk.Device, cases []Case, short bool) ([]Result, error) {
	return runChecks(dev, cases, selection{short: short}, nil)
}

// selection says which checks runChecks makes and how many at once.
type selection struct {
	short   bool     // skip Large cases
	kernels []string // only kernels whose name contains one of these (all when empty)
	jobs    int      // checks run at once (at least 1)
}

// check is one planned selftest row: a case and a variant.
type check struct {
	index   int // the case's position in the table (its seed)
	variant string
}

// plan lists the checks Run makes, so that progress can say how many are
// left. With kernels, only cases whose kernel name contains one of them
// run; each keeps its place in the table, so its inputs (seeded by that
// place) are those of a full run.
func plan(cases []Case, feats shaders.Feature, sel selection) ([]check, error) {
	var out []check
	for i, c := range cases {
		if sel.short && c.Large || !selected(c.Kernel, sel.kernels) {
			continue
		}
		names, err := Variants(c.specName(), feats)
		if err != nil {
			return nil, err
		}
		for _, v := range names {
			out = append(out, check{i, v})
		}
	}
	return out, nil
}

// selected reports whether kernel contains one of kernels (all when none).
func selected(kernel string, kernels []string) bool {
	if len(kernels) == 0 {
		return true
	}
	for _, k := range kernels {
		if strings.Contains(kernel, k) {
			return true
		}
	}
	return false
}

// runChecks runs the checks sel selects (see plan), sel.jobs at a time,
// each worker with its own commands, and calls progress (if not nil) after
// each check with the number done, the number planned and the result.
// Results keep the plan's order. Running checks at once overlaps pipeline
// builds, which dominate a cold run on some drivers (NVIDIA took 10-20 s
// for each new build of a long unrolled _rows_tx variant), and the CPU
// references.
func runChecks(dev *vk.Device, cases []Case, sel selection, progress func(done, total int, r Result)) ([]Result, error) {
	feats := FeaturesOf(dev.Features())
	checks, err := plan(cases, feats, sel)
	if err != nil {
		return nil, err
	}
	out := make([]Result, len(checks))
	next := make(chan int)
	var mu sync.Mutex // guards done and progress calls
	done := 0
	run := func(e *env) {
		for i := range next {
			ch := checks[i]
			start := time.Now()
			r := runCase(e, cases[ch.index], ch.variant, rand.New(rand.NewPCG(uint64(ch.index), 1)))
			r.Features = feats.String()
			r.Wall = time.Since(start)
			out[i] = r
			mu.Lock()
			done++
			if progress != nil {
				progress(done, len(checks), r)
			}
			mu.Unlock()
		}
	}
	if err := startWorkers(dev, max(1, min(sel.jobs, len(checks))), run, func() {
		for i := range checks {
			next <- i
		}
		close(next)
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// startWorkers makes n environments on dev, runs work on each in its own
// goroutine while feed runs, waits for them and frees the environments.
func startWorkers(dev *vk.Device, n int, work func(*env), feed func()) error {
	envs := make([]*env, 0, n)
	defer func() {
		for _, e := range envs {
			e.destroy()
		}
	}()
	for range n {
		e, err := newEnv(dev)
		if err != nil {
			return err
		}
		envs = append(envs, e)
	}
	var wg sync.WaitGroup
	for _, e := range envs {
		wg.Go(func() { work(e) })
	}
	feed()
	wg.Wait()
	return nil
}

// runCase runs one case and variant and frees its objects.
func runCase(e *env, c Case, variant string, rng *rand.Rand) Result {
	defer e.close()
	e.err = nil
	r := Result{Kernel: c.Kernel, Variant: variant, Shape: c.Shape, Bound: c.Bound}
	o, err := c.run(e, variant, rng)
	if err != nil {
		r.Err = err.Error()
		// A variant the device's features allow may still refuse a shape
		// on a device property (subgroup size, shared memory): not a
		// kernel fault, so the check is skipped, with the reason.
		r.Skipped = errors.Is(err, vk.ErrUnsupported)
		return r
	}
	r.GPUTime = e.gpu
	r.NMSE = o.nmse()
	r.Pass = r.NMSE <= c.Bound
	return r
}

// SelfTestOptions configure SelfTest.
type SelfTestOptions struct {
	Device     string   // vk.SelectDevice spec; "" picks the best device
	Short      bool     // skip the large shapes
	Validation bool     // enable the validation layer; its errors fail the run
	Kernels    []string // run only kernels whose name contains one of these
	// Jobs is the number of checks run at once; 0 means one on a CPU
	// device (its driver already spreads each dispatch over the cores)
	// and one per core, up to 16, on others.
	Jobs   int
	Logger *slog.Logger
	// Progress, if not nil, is called after each check of each pass
	// (Passes) with the checks done and planned in that pass.
	Progress func(pass string, done, total int, r Result)
}

// Passes names SelfTest's two runs of the table: the device with its
// features, then with every optional feature off.
var Passes = [2]string{"device features", "portable"}

// Report is the outcome of SelfTest.
type Report struct {
	Device  string   `json:"device"`
	Driver  string   `json:"driver"`
	Results []Result `json:"results"`
}

// Skipped counts the skipped results.
func (r Report) Skipped() int {
	n := 0
	for _, res := range r.Results {
		if res.Skipped {
			n++
		}
	}
	return n
}

// Failed counts the results that did not pass and were not skipped.
func (r Report) Failed() int {
	n := 0
	for _, res := range r.Results {
		if !res.Pass && !res.Skipped {
			n++
		}
	}
	return n
}

// SelfTest opens the chosen device twice, with its features and with every
// optional feature off (the forced portable path), and runs the whole table
// on both.
func SelfTest(opts SelfTestOptions) (Report, error) {
	if opts.Jobs < 0 {
		return Report{}, fmt.Errorf("kernels: %d jobs: want 0 (the default) or more", opts.Jobs)
	}
	inst, err := vk.NewInstance(vk.InstanceOptions{Validation: opts.Validation, Logger: opts.Logger})
	if err != nil {
		return Report{}, err
	}
	defer inst.Close()
	devs, err := inst.PhysicalDevices()
	if err != nil {
		return Report{}, err
	}
	pd, err := vk.SelectDevice(devs, opts.Device)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Device: pd.Name, Driver: pd.DriverName + " " + pd.DriverInfo}
	for i, do := range []vk.DeviceOptions{{}, {Portable: true}} {
		var progress func(done, total int, r Result)
		if opts.Progress != nil {
			progress = func(done, total int, r Result) { opts.Progress(Passes[i], done, total, r) }
		}
		res, err := runOn(inst, pd, do, opts, progress)
		rep.Results = append(rep.Results, res...)
		if err != nil {
			return rep, err
		}
	}
	if len(rep.Results) == 0 {
		return rep, fmt.Errorf("kernels: no kernel name contains any of %q", opts.Kernels)
	}
	if n := inst.ValidationErrors(); n > 0 {
		return rep, fmt.Errorf("kernels: %d validation errors: %w", n, errors.New(lastMessage(inst)))
	}
	return rep, nil
}

func runOn(inst *vk.Instance, pd vk.PhysicalDevice, do vk.DeviceOptions, opts SelfTestOptions, progress func(done, total int, r Result)) ([]Result, error) {
	do.NoPipelineCache = true
	dev, err := inst.NewDevice(pd, do)
	if err != nil {
		return nil, fmt.Errorf("kernels: open %s: %w", pd.Name, err)
	}
	defer dev.Close()
	sel := selection{short: opts.Short, kernels: opts.Kernels, jobs: opts.Jobs}
	if sel.jobs <= 0 {
		sel.jobs = defaultJobs(pd.Type)
	}
	return runChecks(dev, Cases(), sel, progress)
}

// defaultJobs is SelfTestOptions.Jobs's default for a device type.
func defaultJobs(t vk.DeviceType) int {
	if t == vk.TypeCPU {
		return 1
	}
	return min(runtime.NumCPU(), 16)
}

func lastMessage(inst *vk.Instance) string {
	msgs := inst.ValidationMessages()
	if len(msgs) == 0 {
		return "no message"
	}
	return msgs[len(msgs)-1]
}
