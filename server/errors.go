package server

import (
	"encoding/json"
	"log/slog"
	"net/http"
)

// apiError is an error in OpenAI's shape:
// {"error": {"message", "type", "param", "code"}} with an HTTP status.
type apiError struct {
	Status  int     `json:"-"`
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func (e *apiError) Error() string { return e.Message }

// Error types, as OpenAI names them.
const (
	typeInvalid     = "invalid_request_error"
	typeServer      = "server_error"
	typeRateLimit   = "rate_limit_exceeded"
	typeUnavailable = "service_unavailable"
)

func newError(status int, typ, param, code, msg string) *apiError {
	e := &apiError{Status: status, Message: msg, Type: typ}
	if param != "" {
		e.Param = &param
	}
	if code != "" {
		e.Code = &code
	}
	return e
}

// invalid is a 400 for a malformed or invalid request; param names the
// offending field ("" for the body as a whole).
func invalid(param, msg string) *apiError {
	return newError(http.StatusBadRequest, typeInvalid, param, "", msg)
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.Status >= 500 && e.Status != http.StatusServiceUnavailable {
		slog.Error("server: request failed", "status", e.Status, "err", e.Message)
	}
	if e.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, e.Status, errorBody{Error: e})
}

type errorBody struct {
	Error *apiError `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		slog.Debug("server: write response", "err", err)
	}
}
