package vkllm_test

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/vkllm/vkllm"
	"github.com/vkllm/vkllm/internal/testenv"
)

// modelPath is the small test model from the shared test data (CI has it;
// examples cannot skip).
func modelPath() string { return filepath.Join(testenv.ModelsDir(), "stories260K-f32.gguf") }

func ExampleOpen() {
	e, err := vkllm.Open(modelPath(), vkllm.Options{ContextLength: 128})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer e.Close()
	info := e.Info()
	fmt.Println(info.Device, info.KVType, info.ContextLength, info.Blocks)
	// Output: cpu f32 128 64
}

func ExampleEngine_Generate() {
	e, err := vkllm.Open(modelPath(), vkllm.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer e.Close()
	// Zero sampling fields: greedy decoding, the same text every run.
	req := vkllm.Request{Prompt: "Once upon a time", MaxTokens: 16}
	for tok, err := range e.Generate(context.Background(), req) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Print(tok.Text)
	}
	fmt.Println()
	// Output: , there was a little girl named Lily. She loved to play
}

func ExampleEngine_Complete() {
	e, err := vkllm.Open(modelPath(), vkllm.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer e.Close()
	text, err := e.Complete(context.Background(), vkllm.Request{Prompt: "Lily", MaxTokens: 40, Stop: []string{"."}})
	fmt.Printf("%q %v\n", text, err)
	// Output: " and Tom were playing in the park" <nil>
}

func ExampleEngine_Chat() {
	e, err := vkllm.Open(modelPath(), vkllm.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer e.Close()
	msgs := []vkllm.Message{{Role: "user", Content: "Tell me a story."}}
	n := 0
	for _, err := range e.Chat(context.Background(), msgs, vkllm.Request{MaxTokens: 8}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		n++
	}
	// stories260K has no chat template: ChatML is rendered, and the model
	// (never trained on it) writes whatever it writes; the count is exact.
	fmt.Println(n, "tokens")
	// Output: 8 tokens
}

func ExampleEngine_Tokenize() {
	e, err := vkllm.Open(modelPath(), vkllm.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer e.Close()
	ids := e.Tokenize("Once upon a time")
	fmt.Println(len(ids) > 1, ids[0] == 1) // BOS first
	fmt.Printf("%q\n", e.Detokenize(ids))
	// Output:
	// true true
	// "Once upon a time"
}

func ExampleEngine_Stats() {
	e, err := vkllm.Open(modelPath(), vkllm.Options{ContextLength: 64, MaxSeqs: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer e.Close()
	if _, err := e.Complete(context.Background(), vkllm.Request{Prompt: "Once upon a time", MaxTokens: 30}); err != nil {
		fmt.Println(err)
		return
	}
	st := e.Stats()
	// The sequence ended: its blocks are free again, its full block (16
	// tokens) stays in the prefix cache.
	fmt.Println(st.GeneratedTokens, st.BlocksTotal, st.BlocksInUse, st.BlocksFree, st.BlocksCached)
	// Output: 30 8 0 8 2
}
