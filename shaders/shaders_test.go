package shaders_test

import (
	"bytes"
	"encoding/binary"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/shaders"
	"github.com/vkllm/vkllm/shaders/internal/glslc"
)

const spirvMagic = 0x07230203

func TestVariantNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range shaders.Variants {
		assert.False(t, seen[v.Name], "duplicate variant %s", v.Name)
		seen[v.Name] = true
		assert.FileExists(t, v.Source)
		assert.Equal(t, shaders.Vulkan11, v.TargetEnv, v.Name)
	}
}

func TestEveryVariantEmbedded(t *testing.T) {
	for _, v := range shaders.Variants {
		code, err := shaders.Code(v.Name)
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(code), 20, v.Name)
		assert.Zero(t, len(code)%4, v.Name)
		assert.Equal(t, uint32(spirvMagic), binary.LittleEndian.Uint32(code), v.Name)
	}
	_, err := shaders.Code("no_such_kernel")
	assert.Error(t, err)
}

func TestNoStrayModules(t *testing.T) {
	files, err := filepath.Glob("spv/*.spv")
	require.NoError(t, err)
	assert.Len(t, files, len(shaders.Variants), "spv/ holds modules outside the variant table; run go generate")
}

// TestHeaderComments checks the rule that every entry point documents its
// interface before any code.
func TestHeaderComments(t *testing.T) {
	comps, err := filepath.Glob("*.comp")
	require.NoError(t, err)
	require.NotEmpty(t, comps)
	for _, c := range comps {
		src, err := os.ReadFile(c)
		require.NoError(t, err)
		head, _, _ := strings.Cut(string(src), "#extension")
		for _, want := range []string{"Bindings (set 0):", "Specialization:", "Push constants:"} {
			assert.Contains(t, head, want, c)
		}
	}
}

func needTool(t *testing.T, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if testenv.InCI() {
			t.Fatalf("%s missing under CI: %v", tool, err)
		}
		t.Skipf("%s not installed: %v", tool, err)
	}
}

func TestSpirvVal(t *testing.T) {
	needTool(t, "spirv-val")
	dir := t.TempDir()
	for _, v := range shaders.Variants {
		t.Run(v.Name, func(t *testing.T) {
			code, err := shaders.Code(v.Name)
			require.NoError(t, err)
			file := filepath.Join(dir, v.Name+".spv")
			require.NoError(t, os.WriteFile(file, code, 0o644))
			assert.NoError(t, glslc.Validate(v, file))
		})
	}
}

// TestModulesCurrent is make check-shaders as a test: the committed modules
// equal what the sources compile to.
func TestModulesCurrent(t *testing.T) {
	needTool(t, "glslc")
	if testing.Short() {
		t.Skip("compiles every variant")
	}
	dir := t.TempDir()
	require.NoError(t, glslc.CompileAll(".", dir))
	for _, v := range shaders.Variants {
		fresh, err := os.ReadFile(filepath.Join(dir, v.Name+".spv"))
		require.NoError(t, err)
		committed, err := fs.ReadFile(os.DirFS("spv"), v.Name+".spv")
		require.NoError(t, err)
		assert.True(t, bytes.Equal(fresh, committed), "%s.spv is stale: run make shaders", v.Name)
	}
}
