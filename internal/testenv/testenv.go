package testenv

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

// SharedDir returns the shared test-data folder (../shared from the module
// root), located from this source file so tests in any package agree.
func SharedDir() string {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	return filepath.Join(root, "..", "shared")
}

// ModelsDir returns $VKLLM_TEST_MODELS or ../shared/models.
func ModelsDir() string {
	if d := os.Getenv("VKLLM_TEST_MODELS"); d != "" {
		return d
	}
	return filepath.Join(SharedDir(), "models")
}

// Model returns the path of a model file in ModelsDir, skipping the test (or
// failing it under CI) when the file is missing.
func Model(tb testing.TB, name string) string {
	tb.Helper()
	return need(tb, filepath.Join(ModelsDir(), name))
}

// Shared returns the path of a file below SharedDir (for example
// "reference/stories260K-p1.json"), skipping or failing like Model.
func Shared(tb testing.TB, rel string) string {
	tb.Helper()
	return need(tb, filepath.Join(SharedDir(), rel))
}

func need(tb testing.TB, path string) string {
	tb.Helper()
	if _, err := os.Stat(path); err != nil {
		if InCI() {
			tb.Fatalf("test data missing under CI: %v", err)
		}
		tb.Skipf("test data missing: %v", err)
	}
	return path
}
