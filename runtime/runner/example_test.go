package runner_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/models/tokenizer"
	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/runtime/runner"
	"github.com/vkllm/vkllm/runtime/sample"
)

// Serving two prompts at once on the CPU backend and streaming their text.
func Example() {
	l, err := cpu.Open("stories260K-f32.gguf")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	tok, err := tokenizer.FromGGUF(l.File)
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := runner.NewCPU(l.Model, tok, runner.CPUOptions{
		Options: runner.Options{MaxSeqs: 8, MaxBatchTokens: 128},
		KVType:  cache.KVF16,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	var streams []*runner.Stream
	for _, p := range []string{"Once upon a time", "The little dog"} {
		s, err := r.Submit(context.Background(), runner.Request{
			Prompt: tok.Encode(p, true), MaxTokens: 32,
			Params: sample.DefaultParams(), Stop: []string{"\n"},
		})
		if err != nil {
			fmt.Println(err)
			return
		}
		streams = append(streams, s)
	}
	for _, s := range streams {
		var text strings.Builder
		for ev := range s.Tokens() {
			text.WriteString(ev.Text)
		}
		res := s.Wait()
		fmt.Printf("%s (%s, %d tokens, TTFT %v)\n", text.String(), res.Finish, res.GeneratedTokens, res.TTFT)
	}
	st := r.Stats()
	fmt.Printf("%.0f tok/s, prefix hit rate %.2f\n", st.TokensPerSecond, st.PrefixHitRate)
}
