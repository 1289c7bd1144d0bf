package server

import (
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/vkllm/vkllm/models/tokenizer"
)

// Options configures a Server.
type Options struct {
	// ModelName is the model id of /v1/models and of responses; a request
	// naming another model gets 400 (an empty model field is accepted).
	ModelName string
	Tokenizer *tokenizer.Tokenizer // required
	// ChatTemplate renders chat requests; nil means FallbackTemplate.
	ChatTemplate *ChatTemplate
	// Context is the most tokens one sequence may hold; longer prompts get
	// 413. Required.
	Context int
	// MaxRequests bounds the generation requests admitted at once (running
	// and waiting); more get 429. 0 means DefaultMaxRequests.
	MaxRequests int
	// MaxBodyBytes bounds a request body; larger ones get 413. 0 means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// Defaults for zero Options fields.
const (
	DefaultMaxRequests        = 256
	DefaultMaxBodyBytes int64 = 8 << 20
)

// Server is the OpenAI-compatible HTTP API over a Backend. It is an
// http.Handler; see the package documentation for its threading model.
type Server struct {
	opt     Options
	be      Backend
	tpl     *ChatTemplate
	mux     *http.ServeMux
	created time.Time
	metrics *metrics

	draining atomic.Bool
	inflight atomic.Int64
}

// New returns a server answering with be's generations.
func New(opt Options, be Backend) (*Server, error) {
	switch {
	case be == nil:
		return nil, errors.New("server: nil backend")
	case opt.Tokenizer == nil:
		return nil, errors.New("server: Options.Tokenizer is required")
	case opt.Context <= 0:
		return nil, fmt.Errorf("server: Options.Context %d must be positive", opt.Context)
	}
	if opt.MaxRequests <= 0 {
		opt.MaxRequests = DefaultMaxRequests
	}
	if opt.MaxBodyBytes <= 0 {
		opt.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opt.ModelName == "" {
		opt.ModelName = "vkllm"
	}
	s := &Server{opt: opt, be: be, tpl: opt.ChatTemplate, created: time.Now(), metrics: newMetrics()}
	if s.tpl == nil {
		tpl, err := NewChatTemplate("", tokenText(opt.Tokenizer, opt.Tokenizer.BOS()), tokenText(opt.Tokenizer, opt.Tokenizer.EOS()))
		if err != nil {
			return nil, err
		}
		s.tpl = tpl
	}
	s.routes()
	return s, nil
}

// tokenText is a special token's text, "" when the model has none.
func tokenText(t *tokenizer.Tokenizer, id int32) string {
	if id < 0 {
		return ""
	}
	return t.TokenText(id)
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /v1/completions", s.handleCompletions)
	s.mux.HandleFunc("POST /v1/chat/completions", s.handleChat)
	s.mux.HandleFunc("GET /v1/models", s.handleModels)
	s.mux.HandleFunc("GET /health", s.handleHealth)
	s.mux.HandleFunc("GET /metrics", s.handleMetrics)
	s.mux.HandleFunc("/", notFound)
}

// routeMethods lists each route's method, for 405 answers.
var routeMethods = map[string]string{
	"/v1/completions": "POST", "/v1/chat/completions": "POST",
	"/v1/models": "GET", "/health": "GET", "/metrics": "GET",
}

func notFound(w http.ResponseWriter, r *http.Request) {
	if m, ok := routeMethods[r.URL.Path]; ok {
		w.Header().Set("Allow", m)
		writeError(w, newError(http.StatusMethodNotAllowed, typeInvalid, "", "method_not_allowed",
			fmt.Sprintf("%s takes %s, not %s", r.URL.Path, m, r.Method)))
		return
	}
	writeError(w, newError(http.StatusNotFound, typeInvalid, "", "not_found",
		fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path)))
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Drain makes the server refuse new generation requests with 503 (and
// /health report "draining"); requests already admitted keep running. Use
// it before http.Server.Shutdown.
func (s *Server) Drain() { s.draining.Store(true) }

// Inflight returns the generation requests admitted and not yet answered.
func (s *Server) Inflight() int { return int(s.inflight.Load()) }

// admit counts a generation request in, or says why it cannot run now;
// the caller calls release when admitted.
func (s *Server) admit() *apiError {
	if s.draining.Load() {
		return unavailable("the server is shutting down")
	}
	if n := s.inflight.Add(1); n > int64(s.opt.MaxRequests) {
		s.inflight.Add(-1)
		return newError(http.StatusTooManyRequests, typeRateLimit, "", "queue_full",
			fmt.Sprintf("the server is busy: %d requests are queued or running; retry later", s.opt.MaxRequests))
	}
	return nil
}

func (s *Server) release() { s.inflight.Add(-1) }

func unavailable(msg string) *apiError {
	return newError(http.StatusServiceUnavailable, typeUnavailable, "", "unavailable", msg)
}

func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	if s.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) handleModels(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "list",
		"data": []map[string]any{{
			"id": s.opt.ModelName, "object": "model", "created": s.created.Unix(), "owned_by": "vkllm",
			"context_length": s.opt.Context,
		}},
	})
}

// Loading returns a handler for the time a model is loading: /health
// reports "loading" and every other route answers 503.
func Loading() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "loading"})
			return
		}
		writeError(w, unavailable("the model is loading"))
	})
}
