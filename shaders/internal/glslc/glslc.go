package glslc

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/vkllm/vkllm/shaders"
)

// Args returns the glslc command line that compiles v from srcDir to out.
// No -g: debug info would embed absolute paths and make the output depend
// on the checkout location.
func Args(v shaders.Variant, srcDir, out string) []string {
	args := []string{
		"--target-env=" + v.TargetEnv,
		"-fshader-stage=compute",
		"-O",
		"-I", srcDir,
	}
	for _, d := range v.Defines {
		args = append(args, "-D"+d)
	}
	return append(args, "-o", out, filepath.Join(srcDir, v.Source))
}

// Compile compiles v to outDir/<name>.spv.
func Compile(v shaders.Variant, srcDir, outDir string) error {
	out := filepath.Join(outDir, v.Name+".spv")
	return run("glslc", Args(v, srcDir, out)...)
}

// CompileAll compiles every variant of the table to outDir.
func CompileAll(srcDir, outDir string) error {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("glslc: %w", err)
	}
	for _, v := range shaders.Variants {
		if err := Compile(v, srcDir, outDir); err != nil {
			return err
		}
	}
	return nil
}

// Validate runs spirv-val on a module for the variant's target.
func Validate(v shaders.Variant, file string) error {
	return run("spirv-val", "--target-env", v.TargetEnv, file)
}

func run(tool string, args ...string) error {
	cmd := exec.Command(tool, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("glslc: %s %v: %w\n%s", tool, args, err, out.String())
	}
	return nil
}
