package server

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/runtime/runner"
)

var starts = []string{
	"Once upon a time", "The little dog", "Lily and Ben went to the park", "One day, a big bird",
	"Tom had a red ball. He liked to play with it every day", "Sue saw a cat", "The sun was hot",
	"Mom said", "There was a little girl named Amy. She loved to sing", "A boy", "The tree was very tall and green",
	"Max was sad because", "In the garden there were many flowers", "Bob", "The car went fast", "Tim and his friend",
}

// TestConcurrentGreedy: 64 concurrent greedy requests with different
// prompts, lengths, endpoints and streaming all complete, each equal to the
// same request run alone; afterwards every block is back.
func TestConcurrentGreedy(t *testing.T) {
	f := newFixture(t, runner.CPUOptions{Options: runner.Options{MaxSeqs: 16, MaxBatchTokens: 64}, BlockSize: 4}, Options{})
	const n = 64
	type result struct {
		text string
		err  error
	}
	got := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			prompt := starts[i%len(starts)] + strings.Repeat(" and then", i/len(starts))
			req := map[string]any{"model": modelName, "prompt": prompt, "max_tokens": 4 + i%9, "temperature": 0}
			if i%2 == 1 {
				chunks, done := f.stream(t, "/v1/completions", req)
				if !done {
					got[i].err = fmt.Errorf("request %d: stream ended without [DONE]", i)
				}
				got[i].text = joinText(chunks)
				return
			}
			code, body := f.post(t, "/v1/completions", req)
			if code != http.StatusOK {
				got[i].err = fmt.Errorf("request %d: status %d: %s", i, code, body)
				return
			}
			got[i].text = parse(t, body).text()
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, got[i].err)
		prompt := starts[i%len(starts)] + strings.Repeat(" and then", i/len(starts))
		assert.Equal(t, f.alone(t, f.tok.EncodeWithSpecial(prompt, true), 4+i%9), got[i].text, "request %d", i)
	}
	f.checkDrained(t)
	assert.EqualValues(t, n, f.r.Stats().Completed)
}

// TestPrefixCacheThroughServer: requests sharing a long system prompt hit
// the prefix cache, visible in /metrics and usage.
func TestPrefixCacheThroughServer(t *testing.T) {
	f := newFixture(t, runner.CPUOptions{Options: runner.Options{MaxSeqs: 4}, BlockSize: 4}, Options{})
	system := strings.Repeat("You are a kind storyteller who tells short happy stories about animals. ", 3)
	var cached []int
	for i, q := range []string{"Tell me about a cat.", "Tell me about a dog.", "Tell me about a bird.", "Tell me about a fish."} {
		code, body := f.post(t, "/v1/chat/completions", map[string]any{"max_tokens": 3, "temperature": 0,
			"messages": []map[string]string{{"role": "system", "content": system}, {"role": "user", "content": q}}})
		require.Equal(t, http.StatusOK, code, string(body))
		c := parse(t, body)
		require.NotNil(t, c.Usage.PromptTokensDetails)
		cached = append(cached, c.Usage.PromptTokensDetails.CachedTokens)
		if i > 0 {
			// The shared part is the system message: at least its full blocks.
			assert.Greater(t, c.Usage.PromptTokensDetails.CachedTokens, len(f.tok.Encode(system, false))-8, "request %d", i)
		}
	}
	assert.Zero(t, cached[0], "the first request finds nothing cached")
	st := f.r.Stats()
	assert.Positive(t, st.PrefixHitRate)
	_, metrics := f.get(t, "/metrics")
	assert.Contains(t, metrics, fmt.Sprintf("vkllm_prefix_cache_hit_tokens_total %d\n", st.PrefixHitTokens))
	assert.Contains(t, metrics, fmt.Sprintf("vkllm_cached_prompt_tokens_total %d\n", cached[1]+cached[2]+cached[3]))
	assert.NotContains(t, metrics, "vkllm_prefix_cache_hit_rate 0\n")
	t.Logf("prefix cache: hit rate %.2f, %d of %d prompt tokens saved", st.PrefixHitRate, st.PrefixHitTokens, st.PrefixQueryTokens)
	f.checkDrained(t)
}

// TestClientDisconnectCancels: a streaming client that goes away mid-
// generation cancels its sequence and its blocks come back.
func TestClientDisconnectCancels(t *testing.T) {
	for _, stream := range []bool{true, false} {
		t.Run(fmt.Sprintf("stream=%v", stream), func(t *testing.T) {
			f := newSlowFixture(t, 5*time.Millisecond)
			ctx, cancel := context.WithCancel(context.Background())
			body := fmt.Sprintf(`{"prompt":"Once upon a time","max_tokens":400,"stream":%v}`, stream)
			req, err := http.NewRequestWithContext(ctx, "POST", f.srv.URL+"/v1/completions", strings.NewReader(body))
			require.NoError(t, err)
			errc := make(chan error, 1)
			go func() {
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					if stream { // read one chunk, then hang up
						_, err = bufio.NewReader(resp.Body).ReadString('\n')
						<-ctx.Done()
					}
					resp.Body.Close()
				}
				errc <- err
			}()
			require.Eventually(t, func() bool { return f.r.Stats().Running == 1 }, 5*time.Second, time.Millisecond,
				"stats %+v, inflight %d", f.r.Stats(), f.s.Inflight())
			time.Sleep(30 * time.Millisecond)
			cancel()
			<-errc
			f.checkDrained(t)
			st := f.r.Stats()
			assert.EqualValues(t, 1, st.Completed)
			assert.Less(t, st.GeneratedTokens, int64(400), "the sequence should have been cancelled early")
			assert.Zero(t, f.s.Inflight())
		})
	}
}
