package hub

import (
	"fmt"
	"strings"
)

// DefaultModel is the catalogue name that `vkllm run` uses without -m.
const DefaultModel = "stories260K"

// Entry is one model in the built-in catalogue. Ref goes through the
// configurable endpoint like any hf:// reference. SHA256 and Size are those
// of the file at the pinned revision; SHA256 is empty where we could not
// source it, and Size is 0 where unknown.
type Entry struct {
	Name        string
	Ref         string
	Size        int64
	SHA256      string
	Description string
}

// catalogue lists a few small GGUF models. Digests and sizes come from
// public pins of the same files (llama.cpp test fixtures, package recipes,
// model manifests of other runtimes) that agree with each other; revisions
// are pinned where several sources agree on one, so the digest cannot drift.
var catalogue = []Entry{
	{
		Name:        "stories260K",
		Ref:         "hf://ggml-org/models/tinyllamas/stories260K.gguf@499bc8821c6b12b4e53c5bffcb21ec206f212d81",
		Size:        1185376,
		SHA256:      "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d",
		Description: "Karpathy's llama2.c TinyStories 260K-parameter model, F32 (a test model)",
	},
	{
		Name:        "qwen2.5-0.5b-instruct",
		Ref:         "hf://Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf@9217f5db79a29953eb74d5343926648285ec7e67",
		Size:        491400032,
		SHA256:      "74a4da8c9fdbcd15bd1f6d01d621410d31c6fc00986f5eb687824e7b93d7a9db",
		Description: "Qwen2.5 0.5B Instruct, Q4_K_M (Apache-2.0)",
	},
	{
		Name:        "llama-3.2-1b-instruct",
		Ref:         "hf://bartowski/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct-Q4_K_M.gguf",
		Size:        807694464,
		SHA256:      "6f85a640a97cf2bf5b8e764087b1e83da0fdb51d7c9fab7d0fece9385611df83",
		Description: "Llama 3.2 1B Instruct, Q4_K_M (Llama 3.2 Community License)",
	},
	{
		Name:        "smollm2-360m-instruct",
		Ref:         "hf://bartowski/SmolLM2-360M-Instruct-GGUF/SmolLM2-360M-Instruct-Q4_K_M.gguf",
		Size:        270590880,
		SHA256:      "2fa3f013dcdd7b99f9b237717fa0b12d75bbb89984cc1274be1471a465bac9c2",
		Description: "SmolLM2 360M Instruct, Q4_K_M (Apache-2.0)",
	},
	{
		Name:        "smollm2-1.7b-instruct",
		Ref:         "hf://bartowski/SmolLM2-1.7B-Instruct-GGUF/SmolLM2-1.7B-Instruct-Q4_K_M.gguf",
		Description: "SmolLM2 1.7B Instruct, Q4_K_M (Apache-2.0); size and digest not pinned",
	},
}

// Catalogue returns a copy of the built-in catalogue.
func Catalogue() []Entry { return append([]Entry(nil), catalogue...) }

// Lookup finds a catalogue entry by name, ignoring case.
func Lookup(name string) (Entry, bool) {
	for _, e := range catalogue {
		if strings.EqualFold(e.Name, name) {
			return e, true
		}
	}
	return Entry{}, false
}

// catalogueName returns the name of the entry that names the same cached
// file as r, or "".
func catalogueName(r Ref) string {
	for _, e := range catalogue {
		if er, err := ParseRef(e.Ref); err == nil && er.sameFile(r) {
			return e.Name
		}
	}
	return ""
}

// Source is what a model reference names: a local file, or a remote file
// with what is known about it.
type Source struct {
	Local  string // a local path; the rest is zero
	Ref    Ref
	Name   string // the catalogue name, when the reference was one
	Size   int64  // expected size in bytes, 0 when unknown
	SHA256 string // expected digest (lower-case hex), "" when unknown
}

// Locate classifies a model reference: hf://… is remote, a catalogue name
// is remote (unless a file of that name exists here), anything else is a
// local path.
func Locate(s string, exists func(string) bool) (Source, error) {
	switch {
	case s == "":
		return Source{}, fmt.Errorf("hub: empty model reference")
	case strings.HasPrefix(s, Scheme):
		r, err := ParseRef(s)
		return Source{Ref: r}, err
	case strings.Contains(s, "://"):
		return Source{}, fmt.Errorf("hub: model reference %q: only local paths, %sOWNER/REPO/PATH/FILE.gguf[@REVISION] "+
			"and catalogue names (%s) are supported", s, Scheme, names())
	}
	if e, ok := Lookup(s); ok && !exists(s) {
		r, err := ParseRef(e.Ref)
		if err != nil {
			return Source{}, fmt.Errorf("hub: catalogue entry %s: %w", e.Name, err)
		}
		return Source{Ref: r, Name: e.Name, Size: e.Size, SHA256: e.SHA256}, nil
	}
	return Source{Local: s}, nil
}

func names() string {
	n := make([]string, len(catalogue))
	for i, e := range catalogue {
		n[i] = e.Name
	}
	return strings.Join(n, ", ")
}
