package main

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"strings"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/vkllm/vkllm"
)

// Colours of the UI. Sequence cells take seqColors by sequence number;
// the test looks for these exact values in the screenshot.
var (
	background = color.RGBA{24, 26, 32, 255}
	panel      = color.RGBA{36, 39, 48, 255}
	border     = color.RGBA{90, 96, 112, 255}
	textColor  = color.RGBA{230, 232, 236, 255}
	dimText    = color.RGBA{150, 156, 170, 255}
	freeColor  = color.RGBA{70, 72, 78, 255}
	cachedCol  = color.RGBA{70, 110, 190, 255}
	heldColor  = color.RGBA{200, 200, 200, 255}
	seqColors  = []color.RGBA{
		{240, 140, 40, 255}, {80, 200, 90, 255}, {230, 70, 70, 255}, {230, 210, 60, 255},
		{60, 200, 220, 255}, {230, 110, 200, 255}, {160, 120, 70, 255}, {150, 230, 150, 255},
	}
)

// seqColor is the colour of sequence number n (> 0).
func seqColor(n int) color.RGBA { return seqColors[(n-1)%len(seqColors)] }

// ownerColor is the colour of one block cell.
func ownerColor(o vkllm.BlockOwner) color.RGBA {
	switch {
	case o > 0:
		return seqColor(int(o))
	case o == vkllm.BlockCached:
		return cachedCol
	case o == vkllm.BlockHeld:
		return heldColor
	}
	return freeColor
}

// View is everything one frame shows.
type View struct {
	Title  string
	Prompt string
	Cursor bool // draw the text cursor in the prompt box
	Output string
	Status string // "generating", "done", an error
	Stats  vkllm.Stats
}

// Layout places the UI's parts in a frame; the screenshot test checks
// these rectangles.
type Layout struct {
	Title, Prompt, Output, Stats, Grid, Legend image.Rectangle
}

const margin = 12

// layoutFor splits a w×h frame: title, prompt box, output, a stats line
// and the block grid with its legend at the bottom.
func layoutFor(w, h int) Layout {
	var l Layout
	l.Title = image.Rect(margin, 6, w-margin, 30)
	l.Prompt = image.Rect(margin, 36, w-margin, 68)
	gridH := max(h/4, 80)
	l.Legend = image.Rect(margin, h-margin-20, w-margin, h-margin)
	l.Grid = image.Rect(margin, l.Legend.Min.Y-6-gridH, w-margin, l.Legend.Min.Y-6)
	l.Stats = image.Rect(margin, l.Grid.Min.Y-30, w-margin, l.Grid.Min.Y-6)
	l.Output = image.Rect(margin, l.Prompt.Max.Y+10, w-margin, l.Stats.Min.Y-8)
	return l
}

// Renderer draws Views with the Go font.
type Renderer struct {
	face font.Face
	line int // line height in pixels
}

// NewRenderer parses the embedded Go Regular font at size points (72 dpi).
func NewRenderer(size float64) (*Renderer, error) {
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return nil, fmt.Errorf("desktop: font: %w", err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("desktop: font: %w", err)
	}
	return &Renderer{face: face, line: face.Metrics().Height.Ceil() + 2}, nil
}

// Draw renders v into img.
func (r *Renderer) Draw(img *image.RGBA, v View) {
	b := img.Bounds()
	l := layoutFor(b.Dx(), b.Dy())
	fill(img, b, background)
	r.text(img, l.Title.Min, v.Title, dimText)
	box(img, l.Prompt)
	prompt := "> " + v.Prompt
	if v.Cursor {
		prompt += "_"
	}
	r.text(img, l.Prompt.Min.Add(image.Pt(8, 6)), r.fit(prompt, l.Prompt.Dx()-16), textColor)
	box(img, l.Output)
	r.wrapped(img, l.Output.Inset(8), v.Output)
	r.text(img, l.Stats.Min, statsLine(v), dimText)
	drawGrid(img, l.Grid, v.Stats.Blocks)
	r.legend(img, l.Legend, v.Stats)
}

func statsLine(v View) string {
	s := v.Stats
	return fmt.Sprintf("%s · %.0f tok/s · %d tokens · running %d waiting %d · KV blocks: %d used, %d free (%d cached) of %d",
		v.Status, s.TokensPerSecond, s.GeneratedTokens, s.Running, s.Waiting, s.BlocksInUse, s.BlocksFree, s.BlocksCached, s.BlocksTotal)
}

func (r *Renderer) text(img *image.RGBA, at image.Point, s string, c color.RGBA) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: r.face,
		Dot: fixed.P(at.X, at.Y+r.face.Metrics().Ascent.Ceil())}
	d.DrawString(s)
}

// fit keeps the end of s that fits in width pixels (the prompt box shows
// what is being typed).
func (r *Renderer) fit(s string, width int) string {
	for font.MeasureString(r.face, s).Ceil() > width && s != "" {
		_, n := utf8.DecodeRuneInString(s)
		s = s[n:]
	}
	return s
}

// wrapped draws s word-wrapped into rect, keeping the last lines when it
// overflows (the newest text stays visible while streaming).
func (r *Renderer) wrapped(img *image.RGBA, rect image.Rectangle, s string) {
	lines := r.wrap(s, rect.Dx())
	if max := rect.Dy() / r.line; len(lines) > max {
		lines = lines[len(lines)-max:]
	}
	for i, ln := range lines {
		r.text(img, rect.Min.Add(image.Pt(0, i*r.line)), ln, textColor)
	}
}

func (r *Renderer) wrap(s string, width int) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		cur := ""
		for _, w := range strings.Fields(para) {
			next := strings.TrimPrefix(cur+" "+w, " ")
			if cur != "" && font.MeasureString(r.face, next).Ceil() > width {
				lines = append(lines, cur)
				next = w
			}
			cur = next
		}
		lines = append(lines, cur)
	}
	return lines
}

// gridShape picks columns and rows so n square cells fill rect best.
func gridShape(n int, rect image.Rectangle) (cols, rows, cell int) {
	for cell = min(rect.Dx(), rect.Dy()); cell > 2; cell-- {
		cols = rect.Dx() / cell
		rows = (n + cols - 1) / cols
		if rows*cell <= rect.Dy() {
			return cols, rows, cell
		}
	}
	cols = rect.Dx() / 2
	return cols, (n + cols - 1) / cols, 2
}

// drawGrid draws one cell per block, coloured by its owner, with a 1px gap.
func drawGrid(img *image.RGBA, rect image.Rectangle, blocks []vkllm.BlockOwner) {
	if len(blocks) == 0 {
		return
	}
	cols, _, cell := gridShape(len(blocks), rect)
	gap := 1
	if cell < 6 {
		gap = 0
	}
	for i, o := range blocks {
		x, y := rect.Min.X+(i%cols)*cell, rect.Min.Y+(i/cols)*cell
		fill(img, image.Rect(x, y, x+cell-gap, y+cell-gap), ownerColor(o))
	}
}

func (r *Renderer) legend(img *image.RGBA, rect image.Rectangle, s vkllm.Stats) {
	type item struct {
		c     color.RGBA
		label string
	}
	items := []item{{freeColor, "free"}, {cachedCol, "prefix cache"}, {heldColor, "held"}}
	for _, sq := range s.Sequences {
		items = append(items, item{seqColor(sq.Seq), fmt.Sprintf("seq %d: %d", sq.Seq, sq.Blocks)})
	}
	x := rect.Min.X
	for _, it := range items {
		fill(img, image.Rect(x, rect.Min.Y+4, x+12, rect.Min.Y+16), it.c)
		r.text(img, image.Pt(x+16, rect.Min.Y+1), it.label, dimText)
		x += 16 + font.MeasureString(r.face, it.label).Ceil() + 14
		if x > rect.Max.X-60 {
			break
		}
	}
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

func box(img *image.RGBA, r image.Rectangle) {
	fill(img, r, border)
	fill(img, r.Inset(1), panel)
}
