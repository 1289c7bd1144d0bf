package server

import (
	"context"

	"github.com/vkllm/vkllm/runtime/runner"
)

// Backend runs generation requests: *runner.Runner through FromRunner, or
// a fake in tests. Submit must reject at once (with an error) a request
// that can never run, and must end the stream when ctx is cancelled.
type Backend interface {
	Submit(ctx context.Context, req runner.Request) (Stream, error)
	Stats() runner.Stats
}

// Stream is one request's token events and final result; see
// runner.Stream.
type Stream interface {
	Next() (runner.Event, bool)
	Wait() runner.Result
}

// runnerBackend adapts *runner.Runner to Backend.
type runnerBackend struct{ *runner.Runner }

// FromRunner returns r as a Backend.
func FromRunner(r *runner.Runner) Backend { return runnerBackend{r} }

func (b runnerBackend) Submit(ctx context.Context, req runner.Request) (Stream, error) {
	s, err := b.Runner.Submit(ctx, req)
	if err != nil {
		return nil, err
	}
	return s, nil
}
