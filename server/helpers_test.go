package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/cache"
	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/models/llama"
	"github.com/vkllm/vkllm/models/tokenizer"
	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/runtime/runner"
	"github.com/vkllm/vkllm/runtime/sample"
)

const modelName = "stories260K"

// model is stories260K opened once per test.
type model struct {
	l   *cpu.Loaded
	tok *tokenizer.Tokenizer
}

func loadModel(t testing.TB) model {
	t.Helper()
	l, err := cpu.Open(testenv.Model(t, "stories260K-f32.gguf"))
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	tok, err := tokenizer.FromGGUF(l.File)
	require.NoError(t, err)
	return model{l: l, tok: tok}
}

// fixture is a server over a real CPU runner, listening on 127.0.0.1.
type fixture struct {
	model
	r   *runner.Runner
	s   *Server
	srv *httptest.Server
}

func newFixture(t testing.TB, ropt runner.CPUOptions, sopt Options) *fixture {
	t.Helper()
	m := loadModel(t)
	ropt.KVType = cache.KVF32
	r, err := runner.NewCPU(m.l.Model, m.tok, ropt)
	require.NoError(t, err)
	return serve(t, m, r, sopt)
}

func serve(t testing.TB, m model, r *runner.Runner, sopt Options) *fixture {
	t.Helper()
	t.Cleanup(func() { r.Close() })
	sopt.ModelName, sopt.Tokenizer = modelName, m.tok
	if sopt.Context == 0 {
		sopt.Context = m.l.Model.Config.Context
	}
	s, err := New(sopt, FromRunner(r))
	require.NoError(t, err)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &fixture{model: m, r: r, s: s, srv: srv}
}

// slowStepper delays each step so a test can act while a request runs.
type slowStepper struct {
	runner.Stepper
	delay time.Duration
}

func (s slowStepper) Step(b *llama.Batch) ([]float32, error) {
	time.Sleep(s.delay)
	return s.Stepper.Step(b)
}

// newSlowFixture builds the runner by hand with a slowStepper.
func newSlowFixture(t testing.TB, delay time.Duration) *fixture {
	t.Helper()
	m := loadModel(t)
	cfg := m.l.Model.Config
	const bs, blocks = 16, 129
	pool, err := cache.NewBlockPool(blocks, bs)
	require.NoError(t, err)
	kv, err := cache.NewHostPool(cfg.Layers, cache.Layout{Type: cache.KVF32, BlockSize: bs, KVHeads: cfg.KVHeads, HeadDim: cfg.HeadDim}, blocks)
	require.NoError(t, err)
	be, err := cpu.NewBackend(m.l.Model, kv, cpu.BackendOptions{})
	require.NoError(t, err)
	r, err := runner.New(m.l.Model, slowStepper{runner.NewStepper(m.l.Model, be), delay}, pool, m.tok, runner.Options{MaxSeqs: 4})
	require.NoError(t, err)
	return serve(t, m, r, Options{})
}

// alone is the oracle: greedy generation of prompt through cpu.Session,
// decoded as a stream.
func (m model) alone(t testing.TB, prompt []int32, maxTokens int) string {
	t.Helper()
	s, err := cpu.NewSession(m.l.Model, cpu.Options{KVType: cache.KVF32})
	require.NoError(t, err)
	smp, err := sample.New(sample.Params{TopP: 1, RepeatPenalty: 1})
	require.NoError(t, err)
	dec := m.tok.NewDecoder()
	var sb strings.Builder
	_, err = s.Generate(context.Background(), prompt, cpu.GenerateParams{MaxTokens: maxTokens, Sampler: smp, IsEOG: m.tok.IsEOG},
		func(id int32) error {
			if !m.tok.IsEOG(id) {
				sb.WriteString(dec.Next(id))
			}
			return nil
		})
	require.NoError(t, err)
	return sb.String() + dec.Flush()
}

// checkDrained asserts every block is back and the invariants hold.
func (f *fixture) checkDrained(t testing.TB) {
	t.Helper()
	require.Eventually(t, func() bool {
		st := f.r.Stats()
		return st.Running == 0 && st.Waiting == 0 && st.FreeBlocks == st.TotalBlocks
	}, 5*time.Second, 5*time.Millisecond, "blocks still held: %+v", f.r.Stats())
	require.NoError(t, f.r.CheckInvariants())
}

// post sends a JSON body and returns the status and the body.
func (f *fixture) post(t testing.TB, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		js, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(js)
	}
	resp, err := http.Post(f.srv.URL+path, "application/json", rd)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, out
}

func (f *fixture) get(t testing.TB, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(f.srv.URL + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(out)
}

// completion is the part of a (chat) completion response tests check.
type completion struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Model   string `json:"model"`
	Created int64  `json:"created"`
	Choices []struct {
		Index   int    `json:"index"`
		Text    string `json:"text"`
		Message *struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"message"`
		Delta *struct {
			Role    string  `json:"role"`
			Content *string `json:"content"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *Usage `json:"usage"`
	Error *struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

func parse(t testing.TB, body []byte) completion {
	t.Helper()
	var c completion
	require.NoError(t, json.Unmarshal(body, &c), "body: %s", body)
	return c
}

// text is the generated text of a response: text or message content.
func (c completion) text() string {
	if len(c.Choices) == 0 {
		return ""
	}
	ch := c.Choices[0]
	switch {
	case ch.Message != nil:
		return ch.Message.Content
	case ch.Delta != nil && ch.Delta.Content != nil:
		return *ch.Delta.Content
	}
	return ch.Text
}

// readSSE parses an event stream into its chunks; done reports the
// closing [DONE].
func readSSE(t testing.TB, r io.Reader) (chunks []completion, done bool) {
	t.Helper()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		require.True(t, ok, "line %q", line)
		require.False(t, done, "data after [DONE]")
		if data == "[DONE]" {
			done = true
			continue
		}
		chunks = append(chunks, parse(t, []byte(data)))
	}
	return chunks, done
}

// stream posts a streaming request and returns its chunks.
func (f *fixture) stream(t testing.TB, path string, body map[string]any) ([]completion, bool) {
	t.Helper()
	body["stream"] = true
	js, err := json.Marshal(body)
	require.NoError(t, err)
	resp, err := http.Post(f.srv.URL+path, "application/json", bytes.NewReader(js))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	return readSSE(t, resp.Body)
}

func joinText(chunks []completion) string {
	var sb strings.Builder
	for _, c := range chunks {
		sb.WriteString(c.text())
	}
	return sb.String()
}

// fakeBackend answers every request with fixed text, or blocks until the
// request is cancelled when block is set.
type fakeBackend struct {
	mu    sync.Mutex
	block bool
	reqs  []runner.Request
}

func (b *fakeBackend) Submit(ctx context.Context, req runner.Request) (Stream, error) {
	b.mu.Lock()
	b.reqs = append(b.reqs, req)
	block := b.block
	b.mu.Unlock()
	s := &fakeStream{events: []runner.Event{{Token: 5, Text: "Hello"}, {Token: 6, Text: " world"}},
		res: runner.Result{Finish: runner.FinishLength, PromptTokens: len(req.Prompt), GeneratedTokens: 2, TTFT: time.Millisecond}}
	if block {
		s.events = nil
		s.ctx = ctx
		s.res = runner.Result{Finish: runner.FinishCancelled, PromptTokens: len(req.Prompt)}
	}
	return s, nil
}

func (b *fakeBackend) Stats() runner.Stats { return runner.Stats{TotalBlocks: 8, FreeBlocks: 8} }

type fakeStream struct {
	ctx    context.Context
	events []runner.Event
	res    runner.Result
}

func (s *fakeStream) Next() (runner.Event, bool) {
	if s.ctx != nil {
		<-s.ctx.Done()
		return runner.Event{}, false
	}
	if len(s.events) == 0 {
		return runner.Event{}, false
	}
	ev := s.events[0]
	s.events = s.events[1:]
	return ev, true
}

func (s *fakeStream) Wait() runner.Result { return s.res }

// newFakeFixture serves a fakeBackend with stories260K's tokenizer.
func newFakeFixture(t testing.TB, fb *fakeBackend, sopt Options) *fixture {
	t.Helper()
	m := loadModel(t)
	sopt.ModelName, sopt.Tokenizer = modelName, m.tok
	if sopt.Context == 0 {
		sopt.Context = 64
	}
	s, err := New(sopt, fb)
	require.NoError(t, err)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &fixture{model: m, s: s, srv: srv}
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func mustRequest(t testing.TB, method, path, body string) *http.Request {
	t.Helper()
	return httptest.NewRequest(method, path, strings.NewReader(body))
}
