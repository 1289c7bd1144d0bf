package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/runtime/runner"
)

func TestInfoEndpoints(t *testing.T) {
	f := newFixture(t, runner.CPUOptions{Options: runner.Options{MaxSeqs: 4}}, Options{})
	code, body := f.get(t, "/health")
	assert.Equal(t, http.StatusOK, code)
	assert.JSONEq(t, `{"status":"ok"}`, body)

	code, body = f.get(t, "/v1/models")
	require.Equal(t, http.StatusOK, code)
	var models struct {
		Object string `json:"object"`
		Data   []struct{ ID, Object, OwnedBy string }
	}
	require.NoError(t, json.Unmarshal([]byte(body), &models))
	assert.Equal(t, "list", models.Object)
	require.Len(t, models.Data, 1)
	assert.Equal(t, modelName, models.Data[0].ID)
	assert.Equal(t, "model", models.Data[0].Object)

	code, body = f.get(t, "/v1/nothing")
	assert.Equal(t, http.StatusNotFound, code)
	assert.Contains(t, body, `"type":"invalid_request_error"`)

	code, out := f.post(t, "/v1/completions", map[string]any{"model": modelName, "prompt": "Once upon a time", "max_tokens": 4, "temperature": 0})
	require.Equal(t, http.StatusOK, code, string(out))
	code, body = f.get(t, "/metrics")
	require.Equal(t, http.StatusOK, code)
	for _, name := range []string{"vkllm_queue_length 0", "vkllm_running_sequences 0", "vkllm_kv_free_blocks ",
		"vkllm_prefix_cache_hit_rate ", "vkllm_tokens_per_second ", `vkllm_time_to_first_token_seconds_bucket{le="+Inf"} 1`,
		"vkllm_time_to_first_token_seconds_count 1", `vkllm_requests_total{endpoint="/v1/completions",status="200"} 1`,
		"vkllm_generation_tokens_total 4", "# TYPE vkllm_time_to_first_token_seconds histogram"} {
		assert.Contains(t, body, name)
	}
}

// TestCompletion checks a greedy completion, streamed and not, against the
// oracle and the response shapes.
func TestCompletion(t *testing.T) {
	f := newFixture(t, runner.CPUOptions{Options: runner.Options{MaxSeqs: 4}}, Options{})
	const prompt = "Once upon a time"
	want := f.alone(t, f.tok.Encode(prompt, true), 20)
	req := map[string]any{"model": modelName, "prompt": prompt, "max_tokens": 20, "temperature": 0}

	code, body := f.post(t, "/v1/completions", req)
	require.Equal(t, http.StatusOK, code, string(body))
	c := parse(t, body)
	assert.True(t, strings.HasPrefix(c.ID, "cmpl-"), c.ID)
	assert.Equal(t, "text_completion", c.Object)
	assert.Equal(t, modelName, c.Model)
	assert.Positive(t, c.Created)
	require.Len(t, c.Choices, 1)
	assert.Equal(t, want, c.Choices[0].Text)
	assert.Equal(t, "length", *c.Choices[0].FinishReason)
	require.NotNil(t, c.Usage)
	assert.Equal(t, len(f.tok.Encode(prompt, true)), c.Usage.PromptTokens)
	assert.Equal(t, 20, c.Usage.CompletionTokens)
	assert.Equal(t, c.Usage.PromptTokens+20, c.Usage.TotalTokens)

	req["stream_options"] = map[string]any{"include_usage": true}
	chunks, done := f.stream(t, "/v1/completions", req)
	require.True(t, done)
	require.GreaterOrEqual(t, len(chunks), 3)
	last, final := chunks[len(chunks)-1], chunks[len(chunks)-2]
	assert.Equal(t, want, joinText(chunks))
	assert.Empty(t, last.Choices)
	require.NotNil(t, last.Usage)
	assert.Equal(t, 20, last.Usage.CompletionTokens)
	require.NotNil(t, final.Choices[0].FinishReason)
	assert.Equal(t, "length", *final.Choices[0].FinishReason)
	for _, ch := range chunks[:len(chunks)-2] {
		assert.Equal(t, "text_completion", ch.Object)
		assert.Nil(t, ch.Choices[0].FinishReason)
		assert.Nil(t, ch.Usage)
	}
	f.checkDrained(t)
}

func TestChatCompletion(t *testing.T) {
	f := newFixture(t, runner.CPUOptions{Options: runner.Options{MaxSeqs: 4}}, Options{})
	msgs := []map[string]any{{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Tell me a story."}}
	rendered, err := f.s.tpl.Render([]Message{{Role: "system", Content: "Be kind."}, {Role: "user", Content: "Tell me a story."}}, true)
	require.NoError(t, err)
	want := f.alone(t, f.tok.EncodeWithSpecial(rendered, true), 12)
	req := map[string]any{"model": modelName, "messages": msgs, "max_tokens": 12, "temperature": 0}

	code, body := f.post(t, "/v1/chat/completions", req)
	require.Equal(t, http.StatusOK, code, string(body))
	c := parse(t, body)
	assert.True(t, strings.HasPrefix(c.ID, "chatcmpl-"), c.ID)
	assert.Equal(t, "chat.completion", c.Object)
	require.NotNil(t, c.Choices[0].Message)
	assert.Equal(t, "assistant", c.Choices[0].Message.Role)
	assert.Equal(t, want, c.Choices[0].Message.Content)

	chunks, done := f.stream(t, "/v1/chat/completions", req)
	require.True(t, done)
	require.GreaterOrEqual(t, len(chunks), 2)
	assert.Equal(t, "assistant", chunks[0].Choices[0].Delta.Role)
	assert.Equal(t, want, joinText(chunks))
	for _, ch := range chunks {
		assert.Equal(t, "chat.completion.chunk", ch.Object)
		assert.Equal(t, chunks[0].ID, ch.ID)
	}
	end := chunks[len(chunks)-1]
	assert.Equal(t, "length", *end.Choices[0].FinishReason)
	assert.Nil(t, end.Usage, "no usage chunk unless asked for")
	f.checkDrained(t)
}

// TestStopStrings picks stop strings from the middle of a greedy output,
// including ones spanning token boundaries, and checks the output ends
// right before them with finish_reason "stop".
func TestStopStrings(t *testing.T) {
	f := newFixture(t, runner.CPUOptions{Options: runner.Options{MaxSeqs: 4}}, Options{})
	const prompt = "Once upon a time"
	full := f.alone(t, f.tok.Encode(prompt, true), 40)
	require.Greater(t, len(full), 40)
	cases := []struct {
		name string
		stop any
		at   int // byte offset in full where the first stop string starts
	}{
		{"string", full[20:27], strings.Index(full, full[20:27])},
		{"array, earliest wins", []string{full[30:34], full[12:16]}, min(strings.Index(full, full[30:34]), strings.Index(full, full[12:16]))},
		{"one char", full[25:26], strings.Index(full, full[25:26])},
	}
	for _, c := range cases {
		for _, stream := range []bool{false, true} {
			t.Run(c.name, func(t *testing.T) {
				req := map[string]any{"model": modelName, "prompt": prompt, "max_tokens": 40, "temperature": 0, "stop": c.stop}
				var got string
				var finish *string
				if stream {
					chunks, done := f.stream(t, "/v1/completions", req)
					require.True(t, done)
					got, finish = joinText(chunks), chunks[len(chunks)-1].Choices[0].FinishReason
				} else {
					code, body := f.post(t, "/v1/completions", req)
					require.Equal(t, http.StatusOK, code, string(body))
					cp := parse(t, body)
					got, finish = cp.text(), cp.Choices[0].FinishReason
				}
				assert.Equal(t, full[:c.at], got)
				assert.Equal(t, "stop", *finish)
			})
		}
	}
	f.checkDrained(t)
}

func TestTokenPrompt(t *testing.T) {
	f := newFixture(t, runner.CPUOptions{Options: runner.Options{MaxSeqs: 4}}, Options{})
	ids := f.tok.Encode("The little dog", true)
	code, body := f.post(t, "/v1/completions", map[string]any{"prompt": ids, "max_tokens": 8, "temperature": 0})
	require.Equal(t, http.StatusOK, code, string(body))
	assert.Equal(t, f.alone(t, ids, 8), parse(t, body).text())
}
