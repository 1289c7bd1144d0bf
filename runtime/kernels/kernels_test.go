package kernels

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/runtime/vk"
	"github.com/vkllm/vkllm/runtime/vk/vktest"
)

// TestKernelsVsCPU runs the selftest table on the test device with its
// features (fast and portable variants) and again with every optional
// feature off, under the validation layer.
func TestKernelsVsCPU(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts vk.DeviceOptions
	}{
		{"features", vk.DeviceOptions{}},
		{"portable", vk.DeviceOptions{Portable: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dev := vktest.DeviceWith(t, tc.opts)
			if tc.opts.Portable {
				require.Zero(t, FeaturesOf(dev.Features()), "portable device enabled features")
			}
			res, err := Run(dev, Cases(), testing.Short())
			require.NoError(t, err)
			require.NotEmpty(t, res)
			for _, r := range res {
				t.Run(fmt.Sprintf("%s/%s/%s", r.Kernel, r.Variant, r.Shape), func(t *testing.T) {
					assert.Empty(t, r.Err)
					assert.True(t, r.Pass, "NMSE %.3g over bound %.0e", r.NMSE, r.Bound)
				})
			}
		})
	}
}

// TestEveryVariantRuns checks the table reaches every variant that the
// device supports, so no fast path goes untested.
func TestEveryVariantRuns(t *testing.T) {
	dev := vktest.Device(t)
	have := FeaturesOf(dev.Features())
	small := []Case{}
	seen := map[string]bool{}
	for _, c := range Cases() {
		if !c.Large && !seen[c.specName()] {
			seen[c.specName()] = true
			small = append(small, c)
		}
	}
	res, err := Run(dev, small, true)
	require.NoError(t, err)
	ran := map[string]bool{}
	for _, r := range res {
		ran[r.Variant] = true
	}
	for _, s := range specs {
		names, err := Variants(s.name, have)
		require.NoError(t, err)
		for _, n := range names {
			assert.True(t, ran[n], "variant %s never ran", n)
		}
	}
}

// TestRunReportsFailure checks a mismatch becomes a failed row and is
// counted, so selftest's exit status can fail: here the reference is
// shifted by one.
func TestRunReportsFailure(t *testing.T) {
	dev := vktest.Device(t)
	c := Case{Kernel: "copy", Shape: "33", Bound: boundExact, run: func(e *env, v string, rng *rand.Rand) (outcome, error) {
		o, err := copyCase(33)(e, v, rng)
		for i := range o.want {
			o.want[i]++
		}
		return o, err
	}}
	res, err := Run(dev, []Case{c}, true)
	require.NoError(t, err)
	require.Len(t, res, 1)
	assert.False(t, res[0].Pass)
	assert.Greater(t, res[0].NMSE, 1e-3)
	assert.Equal(t, 1, Report{Results: res}.Failed())
}

// TestRunSkipsUnsupported checks a check whose variant refuses the shape
// on this device (vk.ErrUnsupported) is skipped, with the reason, and not
// counted as failed, while any other error fails.
func TestRunSkipsUnsupported(t *testing.T) {
	dev := vktest.Device(t)
	refuse := func(err error) caseFunc {
		return func(*env, string, *rand.Rand) (outcome, error) { return outcome{}, err }
	}
	cases := []Case{
		{Kernel: "copy", Shape: "small subgroup", Bound: boundExact, run: refuse(fmt.Errorf("subgroup of 4: %w", vk.ErrUnsupported))},
		{Kernel: "copy", Shape: "broken", Bound: boundExact, run: refuse(errors.New("device lost"))},
	}
	res, err := Run(dev, cases, true)
	require.NoError(t, err)
	require.Len(t, res, 2)
	assert.True(t, res[0].Skipped)
	assert.Contains(t, res[0].Err, "subgroup of 4")
	assert.False(t, res[1].Skipped)
	rep := Report{Results: res}
	assert.Equal(t, [2]int{1, 1}, [2]int{rep.Failed(), rep.Skipped()})
}

// TestRunProgress checks progress sees every check once, in order, with the
// planned total and each check's wall time.
func TestRunProgress(t *testing.T) {
	dev := vktest.Device(t)
	cases := []Case{
		{Kernel: "copy", Shape: "7", Bound: boundExact, run: copyCase(7)},
		{Kernel: "copy", Shape: "33", Bound: boundExact, run: copyCase(33)},
	}
	var done []int
	res, err := runChecks(dev, cases, selection{short: true}, func(d, total int, r Result) {
		done = append(done, d)
		assert.Equal(t, len(cases), total)
		assert.Positive(t, r.Wall)
	})
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2}, done)
	assert.Len(t, res, 2)
}

// TestRunJobs checks checks run several at a time give the results of a
// serial run, in plan order: each worker's environment is its own and
// every check's inputs come from its table position.
func TestRunJobs(t *testing.T) {
	dev := vktest.Device(t)
	sel := selection{short: true, kernels: []string{"rmsnorm", "matvec_q4_0", "topk"}}
	serial, err := runChecks(dev, Cases(), sel, nil)
	require.NoError(t, err)
	sel.jobs = 3
	parallel, err := runChecks(dev, Cases(), sel, nil)
	require.NoError(t, err)
	require.Len(t, parallel, len(serial))
	for i, want := range serial {
		got := parallel[i]
		assert.Equal(t, []string{want.Kernel, want.Variant, want.Shape}, []string{got.Kernel, got.Variant, got.Shape})
		assert.True(t, got.Pass, "%s %s %s: %s", got.Kernel, got.Variant, got.Shape, got.Err)
		assert.Equal(t, want.NMSE, got.NMSE, "%s %s %s", got.Kernel, got.Variant, got.Shape)
	}
}

// TestRunSelectsKernels checks a kernel filter keeps each case's table
// position (so its seed) and runs only matching kernels.
func TestRunSelectsKernels(t *testing.T) {
	cases := []Case{
		{Kernel: "copy", Shape: "7", Bound: boundExact, run: copyCase(7)},
		{Kernel: "fill", Shape: "7", Bound: boundExact, run: fillCase(7)},
		{Kernel: "copy", Shape: "33", Bound: boundExact, run: copyCase(33)},
	}
	checks, err := plan(cases, 0, selection{short: true, kernels: []string{"cop"}})
	require.NoError(t, err)
	assert.Equal(t, []check{{0, "copy"}, {2, "copy"}}, checks)
	checks, err = plan(cases, 0, selection{short: true})
	require.NoError(t, err)
	assert.Len(t, checks, 3)
}
