package cache

import (
	"flag"
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/internal/scripttest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// TestScripts runs testdata/*.txt: each line is a command, followed by its
// expected output as "> " lines. The invariants are checked after every
// command. `go test ./cache -run TestScripts -update` rewrites the outputs.
func TestScripts(t *testing.T) {
	scripttest.Run(t, *update, func() scripttest.Script {
		return &scriptState{tables: map[string]*BlockTable{}}
	})
}

type scriptState struct {
	pool   *BlockPool
	tables map[string]*BlockTable
}

// Check verifies the pool's invariants once a pool exists.
func (s *scriptState) Check() error {
	if s.pool == nil {
		return nil
	}
	return s.pool.CheckInvariants()
}

// Exec runs one command; "panic CMD..." runs CMD and reports its panic.
func (s *scriptState) Exec(t *testing.T, f []string) (res string) {
	if f[0] == "panic" {
		defer func() {
			r := recover()
			res = fmt.Sprintf("panic: %v", r)
			if r == nil {
				res = "no panic"
			}
		}()
		s.Exec(t, f[1:])
		return ""
	}
	switch f[0] {
	case "grow", "slot", "slots", "release", "match", "commit":
		return s.execTable(t, f)
	}
	args := ints(t, f[1:])
	switch f[0] {
	case "pool":
		p, err := NewBlockPool(args[0], args[1])
		if err != nil {
			return err.Error()
		}
		s.pool = p
	case "alloc":
		ids, ok := s.pool.Allocate(args[0])
		if !ok {
			return "no space"
		}
		return fmt.Sprint(ids)
	case "free":
		s.pool.Free(blockIDs(args)...)
	case "touch":
		s.pool.Touch(blockIDs(args)...)
	case "state":
	default:
		t.Fatalf("unknown command %q", f[0])
	}
	return s.pool.String()
}

func (s *scriptState) execTable(t *testing.T, f []string) string {
	require.GreaterOrEqual(t, len(f), 2, "table command needs a name: %v", f)
	bt := s.tables[f[1]]
	if bt == nil {
		bt = NewBlockTable(s.pool.BlockSize())
		s.tables[f[1]] = bt
	}
	args := ints(t, f[2:])
	switch f[0] {
	case "grow":
		if !bt.Grow(s.pool, args[0]) {
			return fmt.Sprintf("no space (needs %d blocks, %d free)", bt.BlocksNeeded(args[0]), s.pool.NumFree())
		}
		return fmt.Sprintf("%s: tokens %d blocks %v", f[1], bt.Tokens(), bt.Blocks())
	case "slot":
		id, off := bt.Slot(args[0])
		return fmt.Sprintf("block %d offset %d", id, off)
	case "slots":
		return fmt.Sprint(bt.AppendSlotMapping(nil, args[0], args[1]))
	case "release":
		bt.Release(s.pool)
		return s.pool.String()
	case "match":
		n := bt.AppendCached(s.pool, int32s(args))
		return fmt.Sprintf("%s: reused %d tokens blocks %v\n%v", f[1], n, bt.Blocks(), s.pool)
	case "commit":
		bt.CacheFull(s.pool, int32s(args))
		return s.pool.String()
	}
	t.Fatalf("unknown command %q", f[0])
	return ""
}

func ints(t *testing.T, fs []string) []int {
	out := make([]int, len(fs))
	for i, f := range fs {
		n, err := strconv.Atoi(f)
		require.NoError(t, err)
		out[i] = n
	}
	return out
}

func int32s(xs []int) []int32 {
	out := make([]int32, len(xs))
	for i, x := range xs {
		out[i] = int32(x)
	}
	return out
}

func blockIDs(xs []int) []BlockID {
	out := make([]BlockID, len(xs))
	for i, x := range xs {
		out[i] = BlockID(x)
	}
	return out
}
