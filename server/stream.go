package server

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"
)

// sse writes server-sent events: "data: <json>\n\n" per chunk, then
// "data: [DONE]\n\n". After a write fails (the client left) it writes
// nothing more; the request's context cancels the generation.
type sse struct {
	w      http.ResponseWriter
	rc     *http.ResponseController
	failed bool
}

func newSSE(w http.ResponseWriter) *sse {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	return &sse{w: w, rc: http.NewResponseController(w)}
}

func (e *sse) send(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		slog.Error("server: encode chunk", "err", err)
		return
	}
	e.raw(b)
}

func (e *sse) raw(data []byte) {
	if e.failed {
		return
	}
	buf := make([]byte, 0, len(data)+8)
	buf = append(append(append(buf, "data: "...), data...), "\n\n"...)
	if _, err := e.w.Write(buf); err != nil {
		e.failed = true
		return
	}
	if err := e.rc.Flush(); err != nil {
		e.failed = true
	}
}

// streamJob streams a job's events as chunks, then the finish chunk, the
// usage chunk when asked for, and [DONE].
func (s *Server) streamJob(w http.ResponseWriter, j *job, st Stream, id string) {
	out := newSSE(w)
	c := chunker{j: j, id: id, model: s.opt.ModelName, created: time.Now().Unix()}
	if j.kind == kindChat {
		out.send(c.chunk(map[string]any{"role": "assistant", "content": ""}, nil))
	}
	for ev, ok := st.Next(); ok; ev, ok = st.Next() {
		if ev.Text != "" {
			out.send(c.text(ev.Text))
		}
	}
	res := st.Wait()
	s.metrics.finished(res)
	if e := resultError(res); e != nil {
		s.metrics.request(j.endpoint, e.Status)
		out.send(errorBody{Error: e})
		out.raw([]byte("[DONE]"))
		return
	}
	s.metrics.request(j.endpoint, http.StatusOK)
	finish := res.Finish
	if j.kind == kindChat {
		out.send(c.chunk(map[string]any{}, &finish))
	} else {
		out.send(c.completion("", &finish))
	}
	if j.includeUsage {
		u := c.base()
		u["choices"] = []any{}
		u["usage"] = usageOf(res)
		out.send(u)
	}
	out.raw([]byte("[DONE]"))
}

// chunker builds the chunks of one streamed response.
type chunker struct {
	j       *job
	id      string
	model   string
	created int64
}

func (c chunker) base() map[string]any {
	object := "text_completion"
	if c.j.kind == kindChat {
		object = "chat.completion.chunk"
	}
	return map[string]any{"id": c.id, "object": object, "created": c.created, "model": c.model}
}

func (c chunker) text(t string) map[string]any {
	if c.j.kind == kindChat {
		return c.chunk(map[string]any{"content": t}, nil)
	}
	return c.completion(t, nil)
}

// chunk is a chat chunk with one delta; finish is nil until the last.
func (c chunker) chunk(delta map[string]any, finish *string) map[string]any {
	m := c.base()
	m["choices"] = []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish}}
	return m
}

func (c chunker) completion(text string, finish *string) map[string]any {
	m := c.base()
	m["choices"] = []any{map[string]any{"index": 0, "text": text, "logprobs": nil, "finish_reason": finish}}
	return m
}
