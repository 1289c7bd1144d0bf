package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v2"

	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/models/tokenizer"
	"github.com/vkllm/vkllm/runtime/cpu"
	"github.com/vkllm/vkllm/server"
)

// syncBuffer is an io.Writer safe to read while the command writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serving is a `vkllm serve` running in-process.
type serving struct {
	url    string // http://127.0.0.1:PORT
	log    *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

var listenRE = regexp.MustCompile(`listening on (http://\S+)`)

// startServe runs `vkllm serve` on a free port and waits until it is ready.
func startServe(t *testing.T, args ...string) *serving {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &serving{log: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	app := &cli.App{Name: "vkllm", Commands: commands(), Writer: io.Discard, ErrWriter: s.log,
		ExitErrHandler: func(*cli.Context, error) {}}
	argv := append([]string{"vkllm", "serve", "--port", "0"}, args...)
	go func() { s.done <- app.RunContext(ctx, argv) }()
	t.Cleanup(func() { s.stop(t) })
	require.Eventually(t, func() bool {
		m := listenRE.FindStringSubmatch(s.log.String())
		if m == nil {
			return false
		}
		s.url = m[1]
		resp, err := http.Get(s.url + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 10*time.Millisecond, "serve did not become ready: %s", s.log)
	return s
}

// stop cancels the command (as a signal would) and returns its error.
func (s *serving) stop(t *testing.T) error {
	t.Helper()
	s.cancel()
	select {
	case err, ok := <-s.done:
		if ok {
			close(s.done)
		}
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop: %s", s.log)
		return nil
	}
}

func TestServeCompletionAndShutdown(t *testing.T) {
	s := startServe(t, "-m", testenv.Model(t, "stories260K-f32.gguf"), "--max-seqs", "4", "--kv-type", "f32", "--device", "cpu")
	assert.Contains(t, s.log.String(), "serving stories260K-f32 on cpu (context 512, 4 sequences at once)")
	resp, err := http.Post(s.url+"/v1/completions", "application/json",
		strings.NewReader(`{"model":"stories260K-f32","prompt":"Once upon a time","max_tokens":64,"temperature":0}`))
	require.NoError(t, err)
	var c struct {
		Choices []struct{ Text string }
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&c))
	resp.Body.Close()
	want, err := os.ReadFile(testenv.Shared(t, "reference/stories260K-p1.txt"))
	require.NoError(t, err)
	require.Len(t, c.Choices, 1)
	assert.Equal(t, strings.TrimSuffix(string(want), "\n"), c.Choices[0].Text)
	require.NoError(t, s.stop(t))
	assert.Contains(t, s.log.String(), "shutting down: 0 requests in flight")
	_, err = http.Get(s.url + "/health")
	assert.Error(t, err, "the listener should be closed")
}

// TestServeSignalDrains: SIGTERM closes the listener, lets a running
// request finish, and the command returns nil (exit 0). (The 503s of a
// draining server are tested in package server.)
func TestServeSignalDrains(t *testing.T) {
	s := startServe(t, "-m", testenv.Model(t, "stories260K-f32.gguf"), "--max-seqs", "2", "--device", "cpu")
	type answer struct {
		code int
		body string
	}
	running := make(chan answer, 1)
	go func() {
		resp, err := http.Post(s.url+"/v1/completions", "application/json",
			strings.NewReader(`{"prompt":"Once upon a time","max_tokens":480,"temperature":0,"stream":true}`))
		if err != nil {
			running <- answer{0, err.Error()}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		running <- answer{resp.StatusCode, string(b)}
	}()
	time.Sleep(20 * time.Millisecond) // let the request be admitted
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGTERM))
	require.Eventually(t, func() bool { return strings.Contains(s.log.String(), "shutting down") }, 10*time.Second, time.Millisecond)
	a := <-running
	assert.Equal(t, http.StatusOK, a.code)
	assert.True(t, strings.HasSuffix(a.body, "data: [DONE]\n\n"), "the running request should finish: %s", a.body)
	select {
	case err := <-s.done:
		assert.NoError(t, err)
		close(s.done)
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not exit after SIGTERM")
	}
}

func TestServeErrors(t *testing.T) {
	_, _, err := runApp(t, "", "serve", "-m", filepath.Join(t.TempDir(), "missing.gguf"), "--port", "0")
	assert.Error(t, err)
	_, _, err = runApp(t, "", "serve", "-m", testenv.Model(t, "stories260K-f32.gguf"), "--port", "0", "--kv-type", "f8")
	assert.Error(t, err)
}

// TestOpenAINodeClient drives `vkllm serve` with the official openai npm
// package (server/testdata/openai-client) and checks what it saw.
func TestOpenAINodeClient(t *testing.T) {
	dir, err := filepath.Abs("../server/testdata/openai-client")
	require.NoError(t, err)
	node := needTool(t, "node")
	npmInstall(t, dir)
	s := startServe(t, "-m", testenv.Model(t, "stories260K-f32.gguf"), "--max-seqs", "4", "--device", "cpu")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "client.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "BASE_URL="+s.url+"/v1", "MODEL=stories260K-f32")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "node client failed:\n%s\n%s", out, stderr.String())
	got := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		got[m["case"].(string)] = m
	}
	const story = ", there was a little girl named Lily. She loved to play"
	assert.Equal(t, []any{"stories260K-f32"}, got["models"]["ids"])
	for _, k := range []string{"completion", "completion-stream"} {
		assert.Equal(t, story, got[k]["text"], k)
		assert.Equal(t, "length", got[k]["finish_reason"], k)
		assert.EqualValues(t, 16, got[k]["usage"].(map[string]any)["completion_tokens"], k)
	}
	assert.Equal(t, "text_completion", got["completion"]["object"])
	assert.Equal(t, "chat.completion", got["chat"]["object"])
	assert.Equal(t, "assistant", got["chat"]["role"])
	assert.Equal(t, "assistant", got["chat-stream"]["role"])
	assert.NotEmpty(t, got["chat"]["text"])
	assert.Equal(t, got["chat"]["text"], got["chat-stream"]["text"])
	assert.Equal(t, map[string]any{"case": "stop", "text": ", there was a little", "finish_reason": "stop"}, got["stop"])
	assert.EqualValues(t, 400, got["error"]["status"])
	assert.Equal(t, "max_tokens", got["error"]["param"])
	assert.Equal(t, "invalid_request_error", got["error"]["type"])
}

// needTool returns a program's path; it skips without it, except in CI.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if testenv.InCI() {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("%s not found (install Node.js 20+ to run the openai client test): %v", name, err)
	}
	return p
}

// npmInstall runs `npm ci` in dir unless node_modules already holds the
// pinned openai version.
func npmInstall(t *testing.T, dir string) {
	t.Helper()
	npm := needTool(t, "npm")
	var pkg struct{ Dependencies map[string]string }
	data, err := os.ReadFile(filepath.Join(dir, "package.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &pkg))
	var have struct{ Version string }
	if data, err := os.ReadFile(filepath.Join(dir, "node_modules/openai/package.json")); err == nil &&
		json.Unmarshal(data, &have) == nil && have.Version == pkg.Dependencies["openai"] {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		msg := fmt.Sprintf("npm ci in %s: %v\n%s", dir, err, out)
		if testenv.InCI() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// TestServeShutdownTimeout: work still running after --shutdown-timeout
// is cancelled; its stream ends with an error event and [DONE].
func TestServeShutdownTimeout(t *testing.T) {
	s := startServe(t, "-m", testenv.Model(t, "stories260K-f32.gguf"), "--device", "cpu", "--shutdown-timeout", "1ms", "--threads", "1")
	resp, err := http.Post(s.url+"/v1/completions", "application/json",
		strings.NewReader(`{"prompt":"Once upon a time","max_tokens":500,"temperature":0,"stream":true}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	first := make([]byte, 16)
	_, err = io.ReadFull(resp.Body, first)
	require.NoError(t, err)
	require.NoError(t, s.stop(t))
	rest, _ := io.ReadAll(resp.Body)
	body := string(first) + string(rest)
	assert.Contains(t, s.log.String(), "shutdown timeout: cancelling 1 requests")
	assert.Contains(t, body, `"type":"service_unavailable"`)
	assert.True(t, strings.HasSuffix(body, "data: [DONE]\n\n"), body)
}

// TestServeChatTemplateFlag: --chat-template replaces the fallback; the
// prompt the server counts is the one that template renders.
func TestServeChatTemplateFlag(t *testing.T) {
	model := testenv.Model(t, "stories260K-f32.gguf")
	tplFile := testenv.Shared(t, "templates/microsoft-Phi-3.5-mini-instruct.jinja")
	src, err := os.ReadFile(tplFile)
	require.NoError(t, err)
	l, err := cpu.Open(model)
	require.NoError(t, err)
	defer l.Close()
	tok, err := tokenizer.FromGGUF(l.File)
	require.NoError(t, err)
	tpl, err := server.NewChatTemplate(string(src), tok.TokenText(tok.BOS()), tok.TokenText(tok.EOS()))
	require.NoError(t, err)
	text, err := tpl.Render([]server.Message{{Role: "user", Content: "Hi there"}}, true)
	require.NoError(t, err)
	require.Contains(t, text, "<|user|>\nHi there<|end|>\n<|assistant|>\n")

	s := startServe(t, "-m", model, "--device", "cpu", "--chat-template", tplFile)
	resp, err := http.Post(s.url+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"messages":[{"role":"user","content":"Hi there"}],"max_tokens":2}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	var c struct {
		Usage struct {
			PromptTokens int `json:"prompt_tokens"`
		}
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&c))
	assert.Equal(t, len(tok.EncodeWithSpecial(text, true)), c.Usage.PromptTokens)
}
