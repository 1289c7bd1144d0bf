package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzRequestDecoder feeds arbitrary bodies to both generation endpoints
// (over a fake backend): the server never panics, answers 200 or a
// documented 4xx, and every error body has OpenAI's shape.
func FuzzRequestDecoder(f *testing.F) {
	for _, seed := range []string{
		`{"prompt":"hi","max_tokens":3}`,
		`{"model":"stories260K","prompt":[1,2,3],"stop":["a","b"],"temperature":0.5,"top_p":0.9,"seed":7}`,
		`{"messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"t"}]}],"stream":true,"stream_options":{"include_usage":true}}`,
		`{"prompt":"x","max_completion_tokens":-1}`, `{"prompt":"x","n":2}`, `{"prompt":`, `[]`, `null`, ``,
		`{"messages":[{"role":"user","content":null}],"stop":"\n"}`,
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	fx := newFakeFixture(f, &fakeBackend{}, Options{Context: 64})
	f.Fuzz(func(t *testing.T, body []byte, chat bool) {
		path := "/v1/completions"
		if chat {
			path = "/v1/chat/completions"
		}
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		go func() {
			defer close(done)
			fx.s.ServeHTTP(rec, httptest.NewRequest("POST", path, bytes.NewReader(body)))
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("no answer in 10s for %q", body)
		}
		switch rec.Code {
		case http.StatusOK:
			return
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		var e errorBody
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e), "error body %s", rec.Body)
		require.NotNil(t, e.Error)
		assert.NotEmpty(t, e.Error.Message)
		assert.Equal(t, typeInvalid, e.Error.Type)
	})
}
