package scripttest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Script is the state of one script run.
type Script interface {
	// Exec runs one command (the line split into fields) and returns its
	// output, one or more lines without the "> " prefix.
	Exec(t *testing.T, fields []string) string
	// Check verifies the invariants after a command; nil when there is
	// nothing to check yet.
	Check() error
}

// Run replays every testdata/*.txt file of the calling package with a fresh
// Script from newScript and compares the result with the file; with update
// set it rewrites the file instead.
func Run(t *testing.T, update bool, newScript func() Script) {
	t.Helper()
	files, err := filepath.Glob("testdata/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			got := Replay(t, string(data), newScript())
			if update {
				require.NoError(t, os.WriteFile(file, []byte(got), 0o644))
				return
			}
			assert.Equal(t, string(data), got)
		})
	}
}

// Replay executes the commands of script on s and returns the script text
// with the outputs regenerated.
func Replay(t *testing.T, script string, s Script) string {
	t.Helper()
	var out strings.Builder
	for i, line := range strings.Split(strings.TrimSuffix(script, "\n"), "\n") {
		if strings.HasPrefix(line, ">") {
			continue
		}
		out.WriteString(line + "\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		res := s.Exec(t, strings.Fields(line))
		for _, r := range strings.Split(res, "\n") {
			out.WriteString(strings.TrimRight("> "+r, " ") + "\n")
		}
		require.NoError(t, s.Check(), "after line %d: %s", i+1, line)
	}
	return out.String()
}
