package server

import (
	"fmt"
	"io"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
)

// noLoader refuses includes: a chat template is one self-contained string.
type noLoader struct{}

func (noLoader) Read(path string) (io.Reader, error) {
	return nil, fmt.Errorf("server: chat template may not include %q", path)
}
func (noLoader) Resolve(path string) (string, error)    { return path, nil }
func (noLoader) Inherit(string) (loaders.Loader, error) { return noLoader{}, nil }

// environment is gonja's builtins plus the Python-isms of Hugging Face chat
// templates. Each template gets its own copy, so nothing global is mutated.
func environment() *exec.Environment {
	ctx := exec.EmptyContext().Update(builtins.GlobalFunctions).Update(builtins.GlobalVariables)
	ctx.Set("raise_exception", raiseException)
	return &exec.Environment{
		Context:           ctx,
		Filters:           exec.NewFilterSet(map[string]exec.FilterFunction{}).Update(builtins.Filters),
		Tests:             builtins.Tests,
		ControlStructures: builtins.ControlStructures,
		Methods:           builtins.Methods,
	}
}

// raiseException is transformers' raise_exception(msg): templates call it
// to reject conversations they cannot format (e.g. roles out of order).
func raiseException(msg string) (string, error) {
	return "", fmt.Errorf("%w: %s", errTemplateRaise, msg)
}

// strftimeNow is transformers' strftime_now(format) for templates that
// print today's date (Llama 3.x).
func (c *ChatTemplate) strftimeNow(format string) string {
	return strftime(c.now(), format)
}
