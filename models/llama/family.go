package llama

import (
	"fmt"
	"slices"
	"sync"
)

// Names is a family's tensor name table. Per-layer names contain one %d for
// the block index.
type Names struct {
	TokenEmbd, OutputNorm, Output                 string
	AttnNorm, Q, K, V, O, FFNNorm, Gate, Up, Down string
}

// Family describes one architecture that this package's forward pass runs:
// its general.architecture name, the prefix of its metadata keys and its
// tensor names.
type Family struct {
	Arch     string // general.architecture, also the metadata key prefix
	Names    Names
	RopeNeoX bool // rotary pairs (i, i+d/2) instead of (2i, 2i+1)
}

// LlamaNames is the tensor name table llama.cpp writes for llama models.
var LlamaNames = Names{
	TokenEmbd: "token_embd.weight", OutputNorm: "output_norm.weight", Output: "output.weight",
	AttnNorm: "blk.%d.attn_norm.weight", Q: "blk.%d.attn_q.weight", K: "blk.%d.attn_k.weight",
	V: "blk.%d.attn_v.weight", O: "blk.%d.attn_output.weight", FFNNorm: "blk.%d.ffn_norm.weight",
	Gate: "blk.%d.ffn_gate.weight", Up: "blk.%d.ffn_up.weight", Down: "blk.%d.ffn_down.weight",
}

var (
	familiesMu sync.RWMutex
	families   = map[string]Family{}
)

func init() {
	Register(Family{Arch: "llama", Names: LlamaNames})
}

// Register adds a family; registering an architecture twice panics, since
// it is a programming error in an init function.
func Register(f Family) {
	familiesMu.Lock()
	defer familiesMu.Unlock()
	if _, dup := families[f.Arch]; dup {
		panic(fmt.Sprintf("llama: family %q registered twice", f.Arch))
	}
	families[f.Arch] = f
}

// Lookup returns the family registered for an architecture name.
func Lookup(arch string) (Family, bool) {
	familiesMu.RLock()
	defer familiesMu.RUnlock()
	f, ok := families[arch]
	return f, ok
}

// Archs returns the registered architecture names, sorted.
func Archs() []string {
	familiesMu.RLock()
	defer familiesMu.RUnlock()
	names := make([]string, 0, len(families))
	for a := range families {
		names = append(names, a)
	}
	slices.Sort(names)
	return names
}
