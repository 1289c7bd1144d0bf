package llama

import (
	"os"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/models/gguf"
	"github.com/vkllm/vkllm/models/tokenizer"
)

// Info summarises a model file for `vkllm inspect`.
type Info struct {
	Path            string         `json:"path"`
	FileBytes       int64          `json:"file_bytes"`
	Config          Config         `json:"config"`
	Params          int64          `json:"params"`
	Tokenizer       TokenizerInfo  `json:"tokenizer"`
	Tensors         []TensorInfo   `json:"tensors"`
	KVBytesPerToken map[string]int `json:"kv_bytes_per_token"`
}

// TokenizerInfo summarises the tokenizer; Error is set when it cannot load.
type TokenizerInfo struct {
	Model string `json:"model,omitempty"`
	Vocab int    `json:"vocab,omitempty"`
	BOS   int32  `json:"bos"`
	EOS   int32  `json:"eos"`
	Error string `json:"error,omitempty"`
}

// TensorInfo describes one tensor of the file.
type TensorInfo struct {
	Name  string   `json:"name"`
	Type  string   `json:"type"`
	Dims  []uint64 `json:"dims"` // innermost first, as in GGUF
	Bytes uint64   `json:"bytes"`
}

// Inspect opens path and describes its model. A file whose model cannot
// bind is an error; a broken tokenizer is reported in Info.Tokenizer.
func Inspect(path string) (*Info, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	f, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := Load(f)
	if err != nil {
		return nil, err
	}
	info := &Info{Path: path, FileBytes: st.Size(), Config: m.Config, KVBytesPerToken: map[string]int{}}
	for _, t := range f.Tensors {
		n, _ := t.Bytes() // validated by the reader
		info.Tensors = append(info.Tensors, TensorInfo{Name: t.Name, Type: t.Type.String(), Dims: t.Dims, Bytes: n})
		info.Params += int64(t.Elements())
	}
	for _, kv := range []cache.KVType{cache.KVF32, cache.KVF16, cache.KVInt8} {
		l := cache.Layout{Type: kv, BlockSize: 16, KVHeads: m.Config.KVHeads, HeadDim: m.Config.HeadDim}
		info.KVBytesPerToken[kv.String()] = l.BytesPerToken(m.Config.Layers)
	}
	info.Tokenizer = tokenizerInfo(f)
	return info, nil
}

func tokenizerInfo(f *gguf.File) TokenizerInfo {
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		return TokenizerInfo{Error: err.Error()}
	}
	return TokenizerInfo{Model: tok.Model().String(), Vocab: tok.VocabSize(), BOS: tok.BOS(), EOS: tok.EOS()}
}
