package vkllm_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// cgoPackage is the one package allowed to import "C" (DESIGN: one cgo
// boundary).
const cgoPackage = "runtime/vk"

// TestOnlyRuntimeVKImportsC walks every .go file of the module and fails if
// a file outside runtime/vk imports "C".
func TestOnlyRuntimeVKImportsC(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p == "C" && filepath.ToSlash(filepath.Dir(path)) != cgoPackage {
				t.Errorf("%s imports \"C\"; only %s may use cgo", path, cgoPackage)
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.Positive(t, checked)
}
