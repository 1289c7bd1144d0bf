package scripttest

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// counter is a toy script: "add N" adds to a sum and prints it, "echo W..."
// prints its words one a line; Check counts its calls.
type counter struct {
	sum    int
	checks int
}

func (c *counter) Exec(t *testing.T, f []string) string {
	switch f[0] {
	case "add":
		n, err := strconv.Atoi(f[1])
		if err != nil {
			t.Fatal(err)
		}
		c.sum += n
		return "sum " + strconv.Itoa(c.sum)
	case "echo":
		return strings.Join(f[1:], "\n")
	}
	return "unknown " + f[0]
}

func (c *counter) Check() error {
	c.checks++
	if c.sum < 0 {
		return errors.New("negative sum")
	}
	return nil
}

func TestReplay(t *testing.T) {
	tests := []struct {
		name, script, want string
		checks             int
	}{
		{"outputs regenerated", "add 2\n> stale\nadd 3\n", "add 2\n> sum 2\nadd 3\n> sum 5\n", 2},
		{"comments and blanks kept", "# note\n\nadd 1\n", "# note\n\nadd 1\n> sum 1\n", 1},
		{"multi-line output", "echo a b\n", "echo a b\n> a\n> b\n", 1},
		{"empty output line trimmed", "echo\n", "echo\n>\n", 1},
		{"no trailing newline", "add 4", "add 4\n> sum 4\n", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &counter{}
			assert.Equal(t, tc.want, Replay(t, tc.script, c))
			assert.Equal(t, tc.checks, c.checks, "Check runs once per command")
		})
	}
}
