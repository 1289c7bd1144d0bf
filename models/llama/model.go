package llama

import (
	"errors"
	"fmt"
)

// Model is a bound llama-family model: its config, family and weights.
type Model struct {
	Config  Config
	Family  Family
	Weights *Weights
}

// Metadata is the part of a GGUF file that Config reads. Getters wrap
// ErrMissing (gguf.ErrNoKey) for an absent key.
type Metadata interface {
	String(key string) (string, error)
	Uint(key string) (uint64, error)
	Float(key string) (float64, error)
}

// ErrUnsupportedArch is wrapped when no family is registered for a file's
// general.architecture.
var ErrUnsupportedArch = errors.New("unsupported architecture")

// New binds a model from metadata and tensors. The vocabulary size is the
// row count of the token embedding, which every llama file has.
func New(md Metadata, src TensorSource, missing error) (*Model, error) {
	arch, err := md.String("general.architecture")
	if err != nil {
		return nil, fmt.Errorf("llama: general.architecture: %w", err)
	}
	fam, ok := Lookup(arch)
	if !ok {
		return nil, fmt.Errorf("llama: %w %q (supported: %v)", ErrUnsupportedArch, arch, Archs())
	}
	c, err := readConfig(md, fam, missing)
	if err != nil {
		return nil, err
	}
	if c.Vocab, err = vocabSize(src, fam.Names.TokenEmbd); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	w, err := BindWeights(c, fam.Names, src)
	if err != nil {
		return nil, err
	}
	c.TiedOutput = w.Output == w.TokenEmbd
	return &Model{Config: c, Family: fam, Weights: w}, nil
}

// vocabSize reads the outer dimension of the token embedding.
func vocabSize(src TensorSource, name string) (int, error) {
	raw, ok, err := src(name)
	if err != nil {
		return 0, fmt.Errorf("llama: tensor %s: %w", name, err)
	}
	if !ok {
		return 0, fmt.Errorf("llama: missing tensor %s", name)
	}
	if len(raw.Dims) != 2 || raw.Dims[1] == 0 || raw.Dims[1] > maxDim {
		return 0, fmt.Errorf("llama: tensor %s: wrong shape %v for a [vocab][dim] embedding", name, raw.Dims)
	}
	return int(raw.Dims[1]), nil
}

// readConfig reads the hyper-parameters under the family's key prefix.
// missing is the metadata's "no such key" sentinel; optional keys that are
// missing take their defaults, any other error is returned.
func readConfig(md Metadata, fam Family, missing error) (Config, error) {
	c := Config{Arch: fam.Arch, RopeNeoX: fam.RopeNeoX}
	r := keyReader{md: md, prefix: fam.Arch + ".", missing: missing}
	c.Layers = r.int("block_count", -1)
	c.Dim = r.int("embedding_length", -1)
	c.FFN = r.int("feed_forward_length", -1)
	c.Heads = r.int("attention.head_count", -1)
	c.KVHeads = r.int("attention.head_count_kv", c.Heads)
	c.Context = r.int("context_length", -1)
	c.RopeBase = r.float("rope.freq_base", DefaultRopeBase)
	c.NormEps = r.float("attention.layer_norm_rms_epsilon", DefaultNormEps)
	if c.Heads > 0 {
		c.HeadDim = c.Dim / c.Heads
	}
	c.RopeDims = r.int("rope.dimension_count", c.HeadDim)
	return c, r.err
}

// keyReader reads prefixed keys, keeping the first error; def < 0 marks a
// required key.
type keyReader struct {
	md      Metadata
	prefix  string
	missing error
	err     error
}

func (r *keyReader) int(key string, def int) int {
	v, err := r.md.Uint(r.prefix + key)
	if r.absent(key, err, def < 0) {
		return def
	}
	if v > maxDim {
		r.fail(fmt.Errorf("llama: %s%s = %d is too large", r.prefix, key, v))
		return def
	}
	return int(v)
}

func (r *keyReader) float(key string, def float32) float32 {
	v, err := r.md.Float(r.prefix + key)
	if r.absent(key, err, false) {
		return def
	}
	return float32(v)
}

// absent reports whether the value is unusable (missing or an error),
// recording an error unless the key is optional and simply missing.
func (r *keyReader) absent(key string, err error, required bool) bool {
	if err == nil {
		return false
	}
	if required || !errors.Is(err, r.missing) {
		r.fail(fmt.Errorf("llama: metadata %s%s: %w", r.prefix, key, err))
	}
	return true
}

func (r *keyReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}
