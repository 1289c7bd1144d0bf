package gguf_test

import (
	"bytes"
	"fmt"

	"github.com/vkllm/vkllm/models/gguf"
	"github.com/vkllm/vkllm/models/quant"
)

func Example() {
	w, _ := quant.Quantize(quant.F16, []float32{1, 2, 3, 4})
	var buf bytes.Buffer
	err := gguf.Write(&buf, []gguf.KV{
		gguf.Str("general.architecture", "llama"),
		gguf.U32("llama.block_count", 5),
		gguf.StrArr("tokenizer.ggml.tokens", []string{"<unk>", "<s>"}),
	}, []gguf.WriteTensor{{Name: "w", Dims: []uint64{2, 2}, Type: quant.F16, Data: w}})
	if err != nil {
		panic(err)
	}
	f, err := gguf.ReadBytes(buf.Bytes())
	if err != nil {
		panic(err)
	}
	n, _ := f.Uint("llama.block_count")
	toks, _ := f.Strings("tokenizer.ggml.tokens")
	data, _ := f.TensorData("w")
	vals := make([]float32, 4)
	_ = quant.Dequantize(quant.F16, data, vals)
	_, err = f.String("general.name")
	fmt.Println(f.Arch(), n, toks, vals, f.DataOffset%32)
	fmt.Println(err)
	// Output:
	// llama 5 [<unk> <s>] [1 2 3 4] 0
	// gguf: key not found: "general.name"
}
