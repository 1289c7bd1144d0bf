package server

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/runtime/runner"
)

// TestBadRequests sends malformed and invalid requests; each gets its
// documented status and an OpenAI error body naming the field, and the
// server keeps answering good requests.
func TestBadRequests(t *testing.T) {
	f := newFixture(t, runner.CPUOptions{Options: runner.Options{MaxSeqs: 4, Context: 64}}, Options{Context: 64})
	long := strings.Repeat("the cat sat on the mat and ", 40)
	cases := []struct {
		name, path, body string
		status           int
		param, code      string
	}{
		{"bad JSON", "/v1/completions", `{"prompt": "x",`, 400, "", ""},
		{"not an object", "/v1/completions", `[1,2]`, 400, "", ""},
		{"two values", "/v1/completions", `{"prompt":"a"} {"prompt":"b"}`, 400, "", ""},
		{"empty body", "/v1/completions", ``, 400, "", ""},
		{"prompt missing", "/v1/completions", `{"model":"stories260K"}`, 400, "prompt", ""},
		{"prompt wrong type", "/v1/completions", `{"prompt": {"a":1}}`, 400, "prompt", ""},
		{"two prompts", "/v1/completions", `{"prompt": ["a","b"]}`, 400, "prompt", ""},
		{"token id out of range", "/v1/completions", `{"prompt": [1, 99999]}`, 400, "prompt", ""},
		{"max_tokens wrong type", "/v1/completions", `{"prompt":"a","max_tokens":"ten"}`, 400, "max_tokens", ""},
		{"negative max_tokens", "/v1/completions", `{"prompt":"a","max_tokens":-5}`, 400, "max_tokens", ""},
		{"zero max_completion_tokens", "/v1/chat/completions", `{"messages":[{"role":"user","content":"a"}],"max_completion_tokens":0}`, 400, "max_completion_tokens", ""},
		{"unknown model", "/v1/completions", `{"model":"gpt-4","prompt":"a"}`, 400, "model", "model_not_found"},
		{"temperature too high", "/v1/completions", `{"prompt":"a","temperature":7}`, 400, "temperature", ""},
		{"temperature negative", "/v1/completions", `{"prompt":"a","temperature":-0.1}`, 400, "temperature", ""},
		{"temperature string", "/v1/completions", `{"prompt":"a","temperature":"hot"}`, 400, "temperature", ""},
		{"top_p above 1", "/v1/completions", `{"prompt":"a","top_p":1.5}`, 400, "top_p", ""},
		{"n = 2", "/v1/completions", `{"prompt":"a","n":2}`, 400, "n", ""},
		{"stop wrong type", "/v1/completions", `{"prompt":"a","stop":5}`, 400, "stop", ""},
		{"too many stops", "/v1/completions", `{"prompt":"a","stop":["a","b","c","d","e"]}`, 400, "stop", ""},
		{"stream_options without stream", "/v1/completions", `{"prompt":"a","stream_options":{"include_usage":true}}`, 400, "stream_options", ""},
		{"stream wrong type", "/v1/completions", `{"prompt":"a","stream":"yes"}`, 400, "stream", ""},
		{"no messages", "/v1/chat/completions", `{"messages":[]}`, 400, "messages", ""},
		{"messages wrong type", "/v1/chat/completions", `{"messages":"hi"}`, 400, "messages", ""},
		{"bad role", "/v1/chat/completions", `{"messages":[{"role":"wizard","content":"a"}]}`, 400, "messages[0].role", ""},
		{"image part", "/v1/chat/completions", `{"messages":[{"role":"user","content":[{"type":"image_url"}]}]}`, 400, "messages[0].content", ""},
		{"huge prompt", "/v1/completions", `{"prompt":"` + long + `"}`, 413, "prompt", "context_length_exceeded"},
		{"huge chat", "/v1/chat/completions", `{"messages":[{"role":"user","content":"` + long + `"}]}`, 413, "messages", "context_length_exceeded"},
		{"wrong method", "/v1/models", ``, 405, "", "method_not_allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := f.post(t, c.path, c.body)
			assert.Equal(t, c.status, code, string(body))
			e := parse(t, body).Error
			require.NotNil(t, e, string(body))
			assert.NotEmpty(t, e.Message)
			assert.Equal(t, "invalid_request_error", e.Type)
			if c.param == "" {
				assert.Nil(t, e.Param)
			} else if assert.NotNil(t, e.Param) {
				assert.Equal(t, c.param, *e.Param)
			}
			if c.code != "" && assert.NotNil(t, e.Code) {
				assert.Equal(t, c.code, *e.Code)
			}
		})
	}
	code, body := f.post(t, "/v1/completions", map[string]any{"prompt": "Once", "max_tokens": 3})
	assert.Equal(t, http.StatusOK, code, string(body))
	f.checkDrained(t)
}

// TestBodyTooLarge: a body of several MB gets 413 and the server keeps
// serving.
func TestBodyTooLarge(t *testing.T) {
	f := newFakeFixture(t, &fakeBackend{}, Options{MaxBodyBytes: 1 << 20})
	big := append([]byte(`{"prompt":"`), bytes.Repeat([]byte("a"), 5<<20)...)
	big = append(big, `"}`...)
	code, body := f.post(t, "/v1/completions", big)
	assert.Equal(t, http.StatusRequestEntityTooLarge, code)
	e := parse(t, body).Error
	require.NotNil(t, e)
	assert.Equal(t, "request_too_large", *e.Code)
	code, body = f.post(t, "/v1/completions", `{"prompt":"hi"}`)
	assert.Equal(t, http.StatusOK, code, string(body))
	assert.Equal(t, "Hello world", parse(t, body).text())
}

// TestQueueFull: with MaxRequests admitted, the next gets 429.
func TestQueueFull(t *testing.T) {
	fb := &fakeBackend{block: true}
	f := newFakeFixture(t, fb, Options{MaxRequests: 2})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range 2 {
		req, err := http.NewRequestWithContext(ctx, "POST", f.srv.URL+"/v1/completions", strings.NewReader(`{"prompt":"hi"}`))
		require.NoError(t, err)
		go func() {
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
	}
	require.Eventually(t, func() bool { return f.s.Inflight() == 2 }, 5*time.Second, time.Millisecond)
	code, body := f.post(t, "/v1/completions", `{"prompt":"hi"}`)
	assert.Equal(t, http.StatusTooManyRequests, code)
	e := parse(t, body).Error
	require.NotNil(t, e)
	assert.Equal(t, "queue_full", *e.Code)
	cancel()
	require.Eventually(t, func() bool { return f.s.Inflight() == 0 }, 5*time.Second, time.Millisecond)
	fb.mu.Lock()
	fb.block = false
	fb.mu.Unlock()
	code, _ = f.post(t, "/v1/completions", `{"prompt":"hi"}`)
	assert.Equal(t, http.StatusOK, code)
}

func TestDrainAndLoading(t *testing.T) {
	f := newFakeFixture(t, &fakeBackend{}, Options{})
	f.s.Drain()
	code, body := f.post(t, "/v1/chat/completions", `{"messages":[{"role":"user","content":"hi"}]}`)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	e := parse(t, body).Error
	require.NotNil(t, e)
	assert.Equal(t, "service_unavailable", e.Type)
	code, health := f.get(t, "/health")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.JSONEq(t, `{"status":"draining"}`, health)

	for _, path := range []string{"/health", "/v1/completions"} {
		rec := newRecorder()
		Loading().ServeHTTP(rec, mustRequest(t, "POST", path, `{}`))
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code, path)
		assert.Contains(t, rec.Body.String(), "loading")
	}
}

// TestStreamCancelledByShutdown: a stream whose generation the runner
// cancels after it began ends with an OpenAI error event (503 type).
func TestStreamCancelledByShutdown(t *testing.T) {
	f := newSlowFixture(t, 20*time.Millisecond)
	done := make(chan []completion)
	go func() {
		chunks, _ := f.stream(t, "/v1/completions", map[string]any{"prompt": "Once", "max_tokens": 200})
		done <- chunks
	}()
	require.Eventually(t, func() bool { return f.r.Stats().Running == 1 }, 5*time.Second, time.Millisecond)
	require.NoError(t, f.r.Close())
	chunks := <-done
	require.NotEmpty(t, chunks)
	last := chunks[len(chunks)-1]
	require.NotNil(t, last.Error)
	assert.Equal(t, "service_unavailable", last.Error.Type)
}
