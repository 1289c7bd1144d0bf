package chat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

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
	return &exec.Environment{
		Context: ctx,
		Filters: exec.NewFilterSet(map[string]exec.FilterFunction{}).Update(builtins.Filters).
			Update(exec.NewFilterSet(map[string]exec.FilterFunction{"tojson": filterToJSON})),
		Tests:             builtins.Tests,
		ControlStructures: builtins.ControlStructures,
		Methods:           builtins.Methods,
	}
}

// strftimeNow is transformers' strftime_now(format) for templates that
// print today's date (Llama 3.x).
func (c *Template) strftimeNow(format string) string {
	return strftime(c.now(), format)
}

// filterToJSON is Jinja's tojson as transformers runs it: Python's
// json.dumps separators (", " and ": "), no HTML escaping, optional indent.
// gonja's own writes compact Go JSON, which changes prompts.
func filterToJSON(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	indent := -1
	if v, ok := params.KwArgs["indent"]; ok && !v.IsNil() {
		if !v.IsInteger() {
			return exec.AsValue(fmt.Errorf("tojson: indent must be an integer, got %s", v.String()))
		}
		indent = v.Integer()
	}
	v := in.ToGoSimpleType(false)
	if err, ok := v.(error); ok {
		return exec.AsValue(fmt.Errorf("tojson: %w", err))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent >= 0 {
		enc.SetIndent("", strings.Repeat(" ", indent))
	}
	if err := enc.Encode(v); err != nil {
		return exec.AsValue(fmt.Errorf("tojson: %w", err))
	}
	out := strings.TrimSuffix(buf.String(), "\n")
	if indent < 0 {
		out = pySeparators(out)
	}
	return exec.AsSafeValue(out)
}

// pySeparators adds a space after each ',' and ':' outside strings of
// compact JSON.
func pySeparators(js string) string {
	var sb strings.Builder
	sb.Grow(len(js) + len(js)/8)
	inStr, esc := false, false
	for i := 0; i < len(js); i++ {
		c := js[i]
		sb.WriteByte(c)
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case !inStr && (c == ',' || c == ':'):
			sb.WriteByte(' ')
		}
	}
	return sb.String()
}
