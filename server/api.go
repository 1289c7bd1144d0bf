package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// CompletionRequest is the body of POST /v1/completions. Fields the server
// does not implement (logprobs, penalties, user, …) are accepted and
// ignored, as other OpenAI-compatible servers do.
type CompletionRequest struct {
	Model  string          `json:"model"`
	Prompt json.RawMessage `json:"prompt"`
	Sampling
}

// ChatRequest is the body of POST /v1/chat/completions.
type ChatRequest struct {
	Model    string        `json:"model"`
	Messages []ChatMessage `json:"messages"`
	Sampling
}

// ChatMessage is one message of a chat request. Content is a string or an
// array of parts of which only text parts are supported.
type ChatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
	Name    string          `json:"name,omitempty"`
}

// Sampling holds the generation fields both endpoints share.
type Sampling struct {
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Temperature         *float64        `json:"temperature"`
	TopP                *float64        `json:"top_p"`
	TopK                *int            `json:"top_k"` // llama.cpp extension
	MinP                *float64        `json:"min_p"` // llama.cpp extension
	Seed                *int64          `json:"seed"`
	Stop                json.RawMessage `json:"stop"`
	N                   *int            `json:"n"`
	Stream              bool            `json:"stream"`
	StreamOptions       *StreamOptions  `json:"stream_options"`
}

// StreamOptions is stream_options of a streaming request.
type StreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// Limits on what a request may ask for; untrusted sizes never drive an
// allocation beyond these.
const (
	maxStops      = 4 // as OpenAI
	maxStopLen    = 256
	maxMessages   = 4096
	maxPromptIDs  = 1 << 20
	maxTemprature = 2
)

// decode reads one JSON object into v. Bad JSON and wrong types become
// invalid-request errors naming the field.
func decode(body []byte, v any) *apiError {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalid("", "request body holds more than one JSON value")
	}
	return nil
}

// jsonError converts a decoding error to the API error, naming the field of
// a type mismatch in param.
func jsonError(err error) *apiError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		// The path names the embedded Sampling struct; clients know the
		// JSON field only.
		field := strings.TrimPrefix(te.Field, "Sampling.")
		return invalid(field, fmt.Sprintf("%s: expected %s, got JSON %s", field, te.Type, te.Value))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return invalid("", fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se))
	}
	if errors.Is(err, io.EOF) {
		return invalid("", "empty request body")
	}
	return invalid("", "malformed JSON: "+err.Error())
}

// stops parses stop: null, a string or an array of strings.
func (s *Sampling) stops() ([]string, *apiError) {
	raw := bytes.TrimSpace(s.Stop)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return checkStops([]string{one})
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, invalid("stop", "stop must be a string or an array of strings")
	}
	return checkStops(many)
}

func checkStops(stops []string) ([]string, *apiError) {
	if len(stops) > maxStops {
		return nil, invalid("stop", fmt.Sprintf("at most %d stop sequences, got %d", maxStops, len(stops)))
	}
	for _, s := range stops {
		if len(s) > maxStopLen {
			return nil, invalid("stop", fmt.Sprintf("stop sequences are at most %d bytes", maxStopLen))
		}
	}
	return stops, nil
}

// maxTokens returns the token limit (max_completion_tokens wins), or def
// when neither is set.
func (s *Sampling) maxTokens(def int) (int, *apiError) {
	v, name := s.MaxTokens, "max_tokens"
	if s.MaxCompletionTokens != nil {
		v, name = s.MaxCompletionTokens, "max_completion_tokens"
	}
	if v == nil {
		return def, nil
	}
	if *v < 1 {
		return 0, invalid(name, fmt.Sprintf("%s must be at least 1, got %d", name, *v))
	}
	return *v, nil
}

// checkN allows only n = 1: one choice per request.
func (s *Sampling) checkN() *apiError {
	if s.N != nil && *s.N != 1 {
		return invalid("n", fmt.Sprintf("only n = 1 is supported, got %d", *s.N))
	}
	if s.StreamOptions != nil && !s.Stream {
		return invalid("stream_options", "stream_options is only allowed with stream: true")
	}
	return nil
}

// checkProb validates an optional probability-like field in [lo, hi].
func checkRange(name string, v *float64, lo, hi float64) *apiError {
	if v == nil {
		return nil
	}
	if math.IsNaN(*v) || *v < lo || *v > hi {
		return invalid(name, fmt.Sprintf("%s must be between %g and %g, got %g", name, lo, hi, *v))
	}
	return nil
}

// messageText returns a message's content: a string, null, or the text
// parts of an array of content parts joined with newlines.
func (m *ChatMessage) text(i int) (string, *apiError) {
	param := fmt.Sprintf("messages[%d].content", i)
	raw := bytes.TrimSpace(m.Content)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", invalid(param, param+" must be a string or an array of content parts")
	}
	texts := make([]string, 0, len(parts))
	for _, p := range parts {
		if p.Type != "text" {
			return "", invalid(param, fmt.Sprintf("content part type %q is not supported (only text)", p.Type))
		}
		texts = append(texts, p.Text)
	}
	return strings.Join(texts, "\n"), nil
}
