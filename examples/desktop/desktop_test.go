package main

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm"
	"github.com/vkllm/vkllm/internal/testenv"
)

// TestDrawView renders a View without a window and checks each part of the
// layout got drawn.
func TestDrawView(t *testing.T) {
	r, err := NewRenderer(15)
	require.NoError(t, err)
	img := image.NewRGBA(image.Rect(0, 0, 800, 600))
	blocks := make([]vkllm.BlockOwner, 64)
	blocks[0], blocks[1], blocks[2], blocks[5] = 1, 2, vkllm.BlockCached, vkllm.BlockHeld
	r.Draw(img, View{Title: "t", Prompt: "Once upon a time", Output: "there was a little girl", Status: "generating",
		Stats: vkllm.Stats{Blocks: blocks, Sequences: []vkllm.SequenceBlocks{{Seq: 1, Blocks: 1}, {Seq: 2, Blocks: 1}}}})
	l := layoutFor(800, 600)
	assert.Positive(t, countNot(img, l.Output.Inset(2), panel), "output text")
	assert.Positive(t, countNot(img, l.Prompt.Inset(2), panel), "prompt text")
	for _, c := range []color.RGBA{seqColor(1), seqColor(2), cachedCol, heldColor, freeColor} {
		assert.Positive(t, count(img, l.Grid, c), "grid colour %v", c)
	}
	assert.Zero(t, count(img, l.Grid, seqColor(3)))
}

func TestGridShape(t *testing.T) {
	for _, n := range []int{1, 64, 257, 5000} {
		rect := image.Rect(0, 0, 776, 150)
		cols, rows, cell := gridShape(n, rect)
		assert.GreaterOrEqual(t, cols*rows, n, "n=%d", n)
		assert.LessOrEqual(t, rows*cell, rect.Dy(), "n=%d", n)
		assert.LessOrEqual(t, cols*cell, rect.Dx(), "n=%d", n)
	}
}

// TestDesktopUnderXvfb builds the example, runs it under Xvfb on the
// default Vulkan device (lavapipe here) with the validation layer on, and
// checks two screenshots: after 8 and after 48 frames (one token each).
func TestDesktopUnderXvfb(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the GLFW example")
	}
	xvfb, err := exec.LookPath("xvfb-run")
	if err != nil {
		if testenv.InCI() {
			t.Fatal("xvfb-run is required under CI (scripts/setup.sh installs xvfb)")
		}
		t.Skip("no xvfb-run")
	}
	model := testenv.Model(t, "stories260K-f32.gguf")
	dir := t.TempDir()
	bin := filepath.Join(dir, "desktop")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)

	shot := func(frames int) *image.RGBA {
		path := filepath.Join(dir, "shot.png")
		cmd := exec.Command(xvfb, "-a", "-s", "-screen 0 1024x768x24", bin, "-model", model,
			"-prompt", "Once upon a time", "-parallel", "2", "-frames", itoa(frames), "-screenshot", path, "-validation")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		return readPNG(t, path)
	}
	early, late := shot(8), shot(48)
	for _, img := range []*image.RGBA{early, late} {
		require.Equal(t, image.Rect(0, 0, 800, 600), img.Bounds())
		l := layoutFor(800, 600)
		assert.Greater(t, countNot(img, l.Prompt.Inset(2), panel), 200, "prompt text")
		assert.Greater(t, countNot(img, l.Output.Inset(2), panel), 300, "streamed text")
		assert.Greater(t, countNot(img, l.Stats, background), 300, "stats line")
		assert.Positive(t, count(img, l.Grid, seqColor(1)), "blocks of sequence 1")
		assert.Positive(t, count(img, l.Grid, seqColor(2)), "blocks of sequence 2")
		assert.Positive(t, count(img, l.Grid, freeColor), "free blocks")
	}
	l := layoutFor(800, 600)
	assert.Greater(t, countNot(late, l.Output.Inset(2), panel), countNot(early, l.Output.Inset(2), panel),
		"more text after more tokens")
	assert.Greater(t, count(late, l.Grid, seqColor(1)), count(early, l.Grid, seqColor(1)),
		"sequence 1 holds more blocks after more tokens")
	if os.Getenv("VKLLM_UPDATE_SCREENSHOT") != "" {
		f, err := os.Create("../../docs/desktop.png")
		require.NoError(t, err)
		require.NoError(t, png.Encode(f, late))
		require.NoError(t, f.Close())
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func readPNG(t *testing.T, path string) *image.RGBA {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	rgba, ok := img.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(img.Bounds())
		for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
			for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
				rgba.Set(x, y, img.At(x, y))
			}
		}
	}
	return rgba
}

// count is the number of pixels of colour c in r.
func count(img *image.RGBA, r image.Rectangle, c color.RGBA) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.RGBAAt(x, y) == c {
				n++
			}
		}
	}
	return n
}

// countNot is the number of pixels in r that differ from c.
func countNot(img *image.RGBA, r image.Rectangle, c color.RGBA) int {
	return r.Dx()*r.Dy() - count(img, r, c)
}
