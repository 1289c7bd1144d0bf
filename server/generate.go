package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/vkllm/vkllm/runtime/runner"
	"github.com/vkllm/vkllm/runtime/sched"
)

// Kinds of generation request.
const (
	kindCompletion = iota
	kindChat
)

// job is one validated generation request.
type job struct {
	endpoint     string
	kind         int
	req          runner.Request
	stream       bool
	includeUsage bool
}

// Usage is the token accounting of a response.
type Usage struct {
	PromptTokens        int           `json:"prompt_tokens"`
	CompletionTokens    int           `json:"completion_tokens"`
	TotalTokens         int           `json:"total_tokens"`
	PromptTokensDetails *PromptDetail `json:"prompt_tokens_details,omitempty"`
}

// PromptDetail reports the prompt tokens the prefix cache supplied.
type PromptDetail struct {
	CachedTokens int `json:"cached_tokens"`
}

func usageOf(r runner.Result) *Usage {
	return &Usage{PromptTokens: r.PromptTokens, CompletionTokens: r.GeneratedTokens,
		TotalTokens:         r.PromptTokens + r.GeneratedTokens,
		PromptTokensDetails: &PromptDetail{CachedTokens: r.CachedPromptTokens}}
}

// generate admits and submits a job and writes its answer.
func (s *Server) generate(w http.ResponseWriter, r *http.Request, j *job) {
	if e := s.admit(); e != nil {
		s.fail(w, j, e)
		return
	}
	defer s.release()
	st, err := s.be.Submit(r.Context(), j.req)
	if err != nil {
		s.fail(w, j, submitError(err))
		return
	}
	id := newID(j.kind)
	if j.stream {
		s.streamJob(w, j, st, id)
		return
	}
	var text strings.Builder
	for ev, ok := st.Next(); ok; ev, ok = st.Next() {
		text.WriteString(ev.Text)
	}
	res := st.Wait()
	s.metrics.finished(res)
	if e := resultError(res); e != nil {
		s.fail(w, j, e)
		return
	}
	s.metrics.request(j.endpoint, http.StatusOK)
	writeJSON(w, http.StatusOK, s.response(j, id, text.String(), res))
}

// submitError maps the backend's refusals to API errors.
func submitError(err error) *apiError {
	switch {
	case errors.Is(err, runner.ErrClosed):
		return unavailable("the server is shutting down")
	case errors.Is(err, sched.ErrNeverFits):
		return newError(http.StatusRequestEntityTooLarge, typeInvalid, "", "context_length_exceeded", err.Error())
	}
	return invalid("", err.Error())
}

// resultError maps an unsuccessful end of a request to an API error.
func resultError(res runner.Result) *apiError {
	switch res.Finish {
	case runner.FinishStop, runner.FinishLength:
		return nil
	case runner.FinishCancelled:
		return unavailable("the request was cancelled (client gone or server shutting down)")
	}
	msg := "generation failed"
	if res.Err != nil {
		msg = res.Err.Error()
	}
	return newError(http.StatusInternalServerError, typeServer, "", "generation_failed", msg)
}

func (s *Server) response(j *job, id, text string, res runner.Result) map[string]any {
	choice := map[string]any{"index": 0, "logprobs": nil, "finish_reason": res.Finish}
	object := "text_completion"
	if j.kind == kindChat {
		object = "chat.completion"
		choice["message"] = map[string]any{"role": "assistant", "content": text}
	} else {
		choice["text"] = text
	}
	return map[string]any{"id": id, "object": object, "created": time.Now().Unix(), "model": s.opt.ModelName,
		"choices": []any{choice}, "usage": usageOf(res)}
}

// newID returns an OpenAI-style id: cmpl-… or chatcmpl-….
func newID(kind int) string {
	var b [12]byte
	rand.Read(b[:])
	if kind == kindChat {
		return "chatcmpl-" + hex.EncodeToString(b[:])
	}
	return "cmpl-" + hex.EncodeToString(b[:])
}
