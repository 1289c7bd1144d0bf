package sched

import (
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/internal/scripttest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// TestScripts runs testdata/*.txt: each line is a command followed by its
// expected output as "> " lines; the pool's invariants and the scheduler's
// are checked after every command. `go test ./runtime/sched -run
// TestScripts -update` rewrites the outputs.
//
// Commands:
//
//	sched blocks=N bs=B budget=T seqs=S ctx=C [eog=E]
//	add NAME [max=M] TOKENS...     tokens are ids or ranges lo..hi
//	schedule                       prints the plan and keeps it pending
//	update [NAME=TOK...]           applies the pending plan; default token 9
//	step [NAME=TOK...]             schedule, then update
//	cancel NAME
//	state
func TestScripts(t *testing.T) {
	scripttest.Run(t, *update, func() scripttest.Script {
		return &scriptState{names: map[SeqID]string{}, ids: map[string]SeqID{}}
	})
}

type scriptState struct {
	s       *Scheduler
	names   map[SeqID]string
	ids     map[string]SeqID
	pending *Plan
}

// Check verifies the scheduler's and the pool's invariants once a scheduler
// exists.
func (st *scriptState) Check() error {
	if st.s == nil {
		return nil
	}
	return st.s.CheckInvariants()
}

// Exec runs one command.
func (st *scriptState) Exec(t *testing.T, f []string) string {
	switch f[0] {
	case "sched":
		return st.newSched(t, kv(t, f[1:]))
	case "add":
		return st.add(t, f[1], f[2:])
	case "schedule":
		require.Nil(t, st.pending, "schedule with a plan pending")
		st.pending = st.s.Schedule()
		return st.printPlan(st.pending)
	case "update":
		return st.update(t, f[1:])
	case "step":
		st.pending = st.s.Schedule()
		return st.printPlan(st.pending) + "\n" + st.update(t, f[1:])
	case "cancel":
		ok := st.s.Abort(st.ids[f[1]])
		return fmt.Sprintf("aborted %v\n%s", ok, st.state())
	case "state":
		return st.state()
	}
	t.Fatalf("unknown command %q", f[0])
	return ""
}

func (st *scriptState) newSched(t *testing.T, a map[string]int) string {
	pool, err := cache.NewBlockPool(a["blocks"], a["bs"])
	require.NoError(t, err)
	cfg := Config{MaxSeqs: a["seqs"], MaxBatchTokens: a["budget"], MaxContext: a["ctx"]}
	if eog, ok := a["eog"]; ok {
		cfg.IsEOG = func(id int32) bool { return id == int32(eog) }
	}
	s, err := New(cfg, pool)
	if err != nil {
		return err.Error()
	}
	st.s = s
	return st.state()
}

func (st *scriptState) add(t *testing.T, name string, args []string) string {
	maxTokens := 0
	var prompt []int32
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "max="); ok {
			maxTokens = atoi(t, v)
			continue
		}
		lo, hi, isRange := strings.Cut(a, "..")
		if !isRange {
			hi = lo
		}
		for x := atoi(t, lo); x <= atoi(t, hi); x++ {
			prompt = append(prompt, int32(x))
		}
	}
	id, err := st.s.Add(prompt, maxTokens)
	if err != nil {
		return err.Error()
	}
	st.ids[name], st.names[id] = id, name
	return fmt.Sprintf("%s: %d prompt tokens", name, len(prompt))
}

func (st *scriptState) update(t *testing.T, args []string) string {
	require.NotNil(t, st.pending, "update without a plan")
	tokens := kv(t, args)
	sampled := make([]int32, len(st.pending.Seqs))
	for i, e := range st.pending.Seqs {
		sampled[i] = 9
		if tok, ok := tokens[st.names[e.ID]]; ok {
			sampled[i] = int32(tok)
		}
	}
	outs := st.s.Update(st.pending, sampled)
	st.pending = nil
	var sb strings.Builder
	for _, o := range outs {
		fmt.Fprintf(&sb, "%s -> %d", st.names[o.ID], o.Token)
		if o.Finish != "" {
			fmt.Fprintf(&sb, " finish %s (generated %d, cached prompt %d)", o.Finish, o.Generated, o.CachedPromptTokens)
		}
		sb.WriteString("\n")
	}
	return sb.String() + st.state()
}

func (st *scriptState) printPlan(p *Plan) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "step %d: %d tokens", p.Step, p.NumTokens)
	for _, e := range p.Seqs {
		fmt.Fprintf(&sb, "\n  %s [%d,%d) blocks %v", st.names[e.ID], e.Start, e.Start+len(e.Tokens), e.Blocks)
		if e.Sample {
			sb.WriteString(" sample")
		}
	}
	if len(p.Preempted) > 0 {
		fmt.Fprintf(&sb, "\npreempted: %s", st.nameList(p.Preempted))
	}
	return sb.String()
}

func (st *scriptState) state() string {
	s := st.s
	var sb strings.Builder
	fmt.Fprintf(&sb, "waiting: %s\nrunning: %s\n", st.nameList(s.Waiting()), st.nameList(s.Running()))
	ids := make([]SeqID, 0, len(s.seqs))
	for id := range s.seqs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		in, _ := s.Info(id)
		fmt.Fprintf(&sb, "%s: %v computed %d/%d blocks %v", st.names[id], in.State, in.NumComputed, in.NumTokens, in.Blocks)
		if in.Preemptions > 0 {
			fmt.Fprintf(&sb, " preempted %d", in.Preemptions)
		}
		sb.WriteString("\n")
	}
	stats := s.Stats()
	fmt.Fprintf(&sb, "prefix hits %d/%d tokens, preemptions %d\n", stats.PrefixHitTokens, stats.PrefixQueryTokens, stats.Preemptions)
	sb.WriteString(s.pool.String())
	return sb.String()
}

func (st *scriptState) nameList(ids []SeqID) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = st.names[id]
	}
	return strings.Join(names, " ")
}

func kv(t *testing.T, args []string) map[string]int {
	m := map[string]int{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		require.True(t, ok, "want key=value, got %q", a)
		m[k] = atoi(t, v)
	}
	return m
}

func atoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}
