package cli

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/runtime/kernels"
	"github.com/vkllm/vkllm/runtime/vk"
)

// TestSelftestProgress checks what a pipe sees: failures when they happen
// and the end of each pass, not a line per check.
func TestSelftestProgress(t *testing.T) {
	var b bytes.Buffer
	p := selftestProgress(&b)
	ok := kernels.Result{Kernel: "copy", Variant: "copy", Shape: "7", Pass: true}
	p("device features", 1, 3, ok)
	assert.Empty(t, b.String(), "no line per check")
	bad := kernels.Result{Kernel: "rope", Variant: "rope", Shape: "1x1x2", NMSE: 0.5, Bound: 1e-10}
	p("device features", 2, 3, bad)
	assert.Contains(t, b.String(), "FAIL rope rope 1x1x2: nmse 0.5 over 1e-10")
	p("device features", 3, 3, ok)
	assert.Contains(t, b.String(), "selftest (device features): 3/3 checks, 1 failed")
}

// TestSelftestTableSkip checks a skipped check reads "skip" with its
// reason and counts apart from failures.
func TestSelftestTableSkip(t *testing.T) {
	var b bytes.Buffer
	rep := kernels.Report{Device: "dev", Results: []kernels.Result{
		{Kernel: "copy", Variant: "copy", Shape: "7", Pass: true},
		{Kernel: "attn_decode_f32", Variant: "attn_decode_f32_tx", Shape: "x", Skipped: true, Err: "subgroup 4: unsupported"},
	}}
	assert.NoError(t, writeSelftest(&b, rep))
	assert.Contains(t, b.String(), "skip: subgroup 4: unsupported")
	assert.Contains(t, b.String(), "2 checks, 0 failed, 1 skipped")
	p := selftestProgress(&b)
	b.Reset()
	p("device features", 1, 2, rep.Results[1])
	assert.NotContains(t, b.String(), "FAIL")
}

// TestSelftestUnknownKernel: a filter that matches nothing is an error, not
// an empty pass.
func TestSelftestUnknownKernel(t *testing.T) {
	_, _, err := runApp(t, "", "selftest", "--short", "--kernel", "nosuch")
	if errors.Is(err, vk.ErrNoVulkan) && !testenv.InCI() {
		t.Skip(err)
	}
	assert.ErrorContains(t, err, `no kernel name contains any of ["nosuch"]`)
}
