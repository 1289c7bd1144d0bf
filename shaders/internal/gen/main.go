// Command gen compiles every entry of the shader variant table with glslc
// and removes modules no longer in the table. Run through go generate in
// the shaders folder, or with -out pointing at a scratch folder to check
// that the committed modules are current.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vkllm/vkllm/shaders"
	"github.com/vkllm/vkllm/shaders/internal/glslc"
)

func main() {
	src := flag.String("src", ".", "folder holding the .comp and .glsl sources")
	out := flag.String("out", "spv", "folder receiving <variant>.spv")
	flag.Parse()
	if err := generate(*src, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func generate(src, out string) error {
	if err := glslc.CompileAll(src, out); err != nil {
		return err
	}
	return removeStale(out)
}

// removeStale deletes .spv files whose variant left the table, so the
// embedded set always equals the table.
func removeStale(out string) error {
	known := map[string]bool{}
	for _, v := range shaders.Variants {
		known[v.Name+".spv"] = true
	}
	files, err := filepath.Glob(filepath.Join(out, "*.spv"))
	if err != nil {
		return err
	}
	for _, f := range files {
		if base := filepath.Base(f); strings.HasSuffix(base, ".spv") && !known[base] {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	return nil
}
