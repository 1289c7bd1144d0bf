package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"

	"github.com/vkllm/vkllm/runtime/runner"
	"github.com/vkllm/vkllm/runtime/sample"
)

// Defaults when a request leaves max_tokens out: OpenAI's 16 for
// completions; for chat, until end of generation or the context is full.
const defaultCompletionTokens = 16

func (s *Server) handleCompletions(w http.ResponseWriter, r *http.Request) {
	handleJob(s, w, r, s.completionJob)
}

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	handleJob(s, w, r, s.chatJob)
}

// handleJob serves a generating endpoint: it decodes a request of type T,
// builds the job from it with build and generates, or writes the error.
func handleJob[T any](s *Server, w http.ResponseWriter, r *http.Request, build func(*T, *job) *apiError) {
	var req T
	j, e := s.readBody(w, r, &req)
	if e == nil {
		e = build(&req, j)
	}
	if e != nil {
		s.fail(w, j, e)
		return
	}
	s.generate(w, r, j)
}

func (s *Server) fail(w http.ResponseWriter, j *job, e *apiError) {
	s.metrics.request(j.endpoint, e.Status)
	writeError(w, e)
}

// readBody reads a body of at most MaxBodyBytes and decodes it into v.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, v any) (*job, *apiError) {
	j := &job{endpoint: r.URL.Path}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opt.MaxBodyBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return j, newError(http.StatusRequestEntityTooLarge, typeInvalid, "", "request_too_large",
			fmt.Sprintf("request body exceeds %d bytes", tooBig.Limit))
	case err != nil:
		return j, invalid("", "reading the request body: "+err.Error())
	}
	if e := decode(body, v); e != nil {
		return j, e
	}
	return j, nil
}

func (s *Server) completionJob(req *CompletionRequest, j *job) *apiError {
	j.kind = kindCompletion
	if e := s.common(req.Model, &req.Sampling, defaultCompletionTokens, j); e != nil {
		return e
	}
	prompt, e := s.completionPrompt(req.Prompt)
	if e != nil {
		return e
	}
	return s.setPrompt(j, prompt, "prompt")
}

func (s *Server) chatJob(req *ChatRequest, j *job) *apiError {
	j.kind = kindChat
	if e := s.common(req.Model, &req.Sampling, 0, j); e != nil {
		return e
	}
	msgs, e := chatMessages(req.Messages)
	if e != nil {
		return e
	}
	text, err := s.tpl.Render(msgs, true)
	if err != nil {
		return invalid("messages", err.Error())
	}
	tok := s.opt.Tokenizer
	// The template may write BOS itself; then the tokenizer must not add
	// another.
	bos := tokenText(tok, tok.BOS())
	addSpecial := bos == "" || !strings.HasPrefix(text, bos)
	return s.setPrompt(j, tok.EncodeWithSpecial(text, addSpecial), "messages")
}

func chatMessages(in []ChatMessage) ([]Message, *apiError) {
	if len(in) == 0 {
		return nil, invalid("messages", "messages must be a non-empty array")
	}
	if len(in) > maxMessages {
		return nil, invalid("messages", fmt.Sprintf("at most %d messages", maxMessages))
	}
	out := make([]Message, len(in))
	for i, m := range in {
		switch m.Role {
		case "system", "developer", "user", "assistant", "tool":
		default:
			return nil, invalid(fmt.Sprintf("messages[%d].role", i), fmt.Sprintf("unknown role %q", m.Role))
		}
		text, e := m.text(i)
		if e != nil {
			return nil, e
		}
		role := m.Role
		if role == "developer" { // OpenAI's newer name for system
			role = "system"
		}
		out[i] = Message{Role: role, Content: text}
	}
	return out, nil
}

// common validates the fields both endpoints share and fills j.req.
func (s *Server) common(model string, sp *Sampling, defMax int, j *job) *apiError {
	if model != "" && model != s.opt.ModelName {
		return newError(http.StatusBadRequest, typeInvalid, "model", "model_not_found",
			fmt.Sprintf("model %q is not served here (this server serves %q)", model, s.opt.ModelName))
	}
	if e := sp.checkN(); e != nil {
		return e
	}
	for _, c := range []struct {
		name   string
		v      *float64
		lo, hi float64
	}{{"temperature", sp.Temperature, 0, maxTemprature}, {"top_p", sp.TopP, 0, 1}, {"min_p", sp.MinP, 0, 0.999999}} {
		if e := checkRange(c.name, c.v, c.lo, c.hi); e != nil {
			return e
		}
	}
	if sp.TopK != nil && *sp.TopK < 0 {
		return invalid("top_k", fmt.Sprintf("top_k must be >= 0, got %d", *sp.TopK))
	}
	maxTok, e := sp.maxTokens(defMax)
	if e != nil {
		return e
	}
	stops, e := sp.stops()
	if e != nil {
		return e
	}
	j.stream = sp.Stream
	j.includeUsage = sp.StreamOptions != nil && sp.StreamOptions.IncludeUsage
	j.req = runner.Request{MaxTokens: maxTok, Stop: stops, Params: samplingParams(sp)}
	return nil
}

// samplingParams maps OpenAI's fields to the sampler: temperature 1 and
// top_p 1 by default, no top-k, min-p or repetition penalty; a random seed
// when none is given.
func samplingParams(sp *Sampling) sample.Params {
	p := sample.Params{Temperature: 1, TopP: 1, RepeatPenalty: 1, Seed: rand.Uint64()}
	if sp.Temperature != nil {
		p.Temperature = float32(*sp.Temperature)
	}
	if sp.TopP != nil && *sp.TopP > 0 {
		p.TopP = float32(*sp.TopP)
	}
	if sp.TopK != nil {
		p.TopK = *sp.TopK
	}
	if sp.MinP != nil {
		p.MinP = float32(*sp.MinP)
	}
	if sp.Seed != nil {
		p.Seed = uint64(*sp.Seed)
	}
	return p
}

// completionPrompt parses prompt: a string, an array of one string, or an
// array of token ids.
func (s *Server) completionPrompt(raw json.RawMessage) ([]int32, *apiError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, invalid("prompt", "prompt is required")
	}
	tok := s.opt.Tokenizer
	var text string
	if json.Unmarshal(raw, &text) == nil {
		return tok.EncodeWithSpecial(text, true), nil
	}
	var texts []string
	if json.Unmarshal(raw, &texts) == nil {
		if len(texts) != 1 {
			return nil, invalid("prompt", fmt.Sprintf("exactly one prompt per request is supported, got %d", len(texts)))
		}
		return tok.EncodeWithSpecial(texts[0], true), nil
	}
	var ids []int64
	if err := json.Unmarshal(raw, &ids); err != nil {
		return nil, invalid("prompt", "prompt must be a string, an array of one string or an array of token ids")
	}
	if len(ids) > maxPromptIDs {
		return nil, invalid("prompt", "too many token ids")
	}
	out := make([]int32, len(ids))
	for i, id := range ids {
		if id < 0 || id >= int64(tok.VocabSize()) {
			return nil, invalid("prompt", fmt.Sprintf("token id %d at %d is outside the vocabulary of %d", id, i, tok.VocabSize()))
		}
		out[i] = int32(id)
	}
	return out, nil
}

// setPrompt checks the prompt's length against the context.
func (s *Server) setPrompt(j *job, prompt []int32, param string) *apiError {
	switch {
	case len(prompt) == 0:
		return invalid(param, "the prompt is empty")
	case len(prompt) > s.opt.Context:
		return newError(http.StatusRequestEntityTooLarge, typeInvalid, param, "context_length_exceeded",
			fmt.Sprintf("the prompt has %d tokens; this model's context is %d", len(prompt), s.opt.Context))
	}
	j.req.Prompt = prompt
	return nil
}
