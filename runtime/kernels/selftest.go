package kernels

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/vkllm/vkllm/runtime/vk"
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
	return append(cs, ropeCases(ropeStridedShapes)...)
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
	Err      string        `json:"error,omitempty"`
}

// Run checks every case on dev with every variant the device supports,
// the portable ones included. Inputs come from a fixed seed, so runs are
// reproducible. short skips Large cases.
func Run(dev *vk.Device, cases []Case, short bool) ([]Result, error) {
	e, err := newEnv(dev)
	if err != nil {
		return nil, err
	}
	defer e.destroy()
	feats := FeaturesOf(dev.Features())
	var out []Result
	for i, c := range cases {
		if short && c.Large {
			continue
		}
		names, err := Variants(c.specName(), feats)
		if err != nil {
			return out, err
		}
		for _, v := range names {
			r := runCase(e, c, v, rand.New(rand.NewPCG(uint64(i), 1)))
			r.Features = feats.String()
			out = append(out, r)
		}
	}
	return out, nil
}

// runCase runs one case and variant and frees its objects.
func runCase(e *env, c Case, variant string, rng *rand.Rand) Result {
	defer e.close()
	e.err = nil
	r := Result{Kernel: c.Kernel, Variant: variant, Shape: c.Shape, Bound: c.Bound}
	o, err := c.run(e, variant, rng)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	r.GPUTime = e.gpu
	r.NMSE = NMSE(o.got, o.want)
	r.Pass = r.NMSE <= c.Bound
	return r
}

// SelfTestOptions configure SelfTest.
type SelfTestOptions struct {
	Device     string // vk.SelectDevice spec; "" picks the best device
	Short      bool   // skip the large shapes
	Validation bool   // enable the validation layer; its errors fail the run
	Logger     *slog.Logger
}

// Report is the outcome of SelfTest.
type Report struct {
	Device  string   `json:"device"`
	Driver  string   `json:"driver"`
	Results []Result `json:"results"`
}

// Failed counts the results that did not pass.
func (r Report) Failed() int {
	n := 0
	for _, res := range r.Results {
		if !res.Pass {
			n++
		}
	}
	return n
}

// SelfTest opens the chosen device twice, with its features and with every
// optional feature off (the forced portable path), and runs the whole table
// on both.
func SelfTest(opts SelfTestOptions) (Report, error) {
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
	for _, do := range []vk.DeviceOptions{{}, {Portable: true}} {
		res, err := runOn(inst, pd, do, opts.Short)
		rep.Results = append(rep.Results, res...)
		if err != nil {
			return rep, err
		}
	}
	if n := inst.ValidationErrors(); n > 0 {
		return rep, fmt.Errorf("kernels: %d validation errors: %w", n, errors.New(lastMessage(inst)))
	}
	return rep, nil
}

func runOn(inst *vk.Instance, pd vk.PhysicalDevice, do vk.DeviceOptions, short bool) ([]Result, error) {
	do.NoPipelineCache = true
	dev, err := inst.NewDevice(pd, do)
	if err != nil {
		return nil, fmt.Errorf("kernels: open %s: %w", pd.Name, err)
	}
	defer dev.Close()
	return Run(dev, Cases(), short)
}

func lastMessage(inst *vk.Instance) string {
	msgs := inst.ValidationMessages()
	if len(msgs) == 0 {
		return "no message"
	}
	return msgs[len(msgs)-1]
}
