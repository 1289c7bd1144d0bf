package chat

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
)

// Fallback is the chat template used when the model has none:
// ChatML (<|im_start|>role\ncontent<|im_end|>\n), the format of Qwen, Hermes
// and many fine-tunes.
const Fallback = `{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}`

// Message is one chat message as the template sees it.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Template renders chat messages into a prompt with a Hugging Face
// style Jinja template. It is safe for concurrent use: Render builds a
// fresh context per call and the parsed template is read-only.
type Template struct {
	tpl      *exec.Template
	bos, eos string
	now      func() time.Time
}

// New parses src (the model's tokenizer.chat_template; empty
// means Fallback). bos and eos are the texts of the model's BOS and
// EOS tokens, exposed as bos_token and eos_token.
func New(src, bos, eos string) (*Template, error) {
	if src == "" {
		src = Fallback
	}
	cfg := config.New()
	// Hugging Face renders chat templates with trim_blocks and
	// lstrip_blocks; templates are written for that whitespace handling.
	cfg.TrimBlocks, cfg.LeftStripBlocks = true, true
	loader, err := loaders.NewShiftedLoader("chat_template", strings.NewReader(src), noLoader{})
	if err != nil {
		return nil, fmt.Errorf("chat: template: %w", err)
	}
	tpl, err := exec.NewTemplate("chat_template", cfg, loader, environment())
	if err != nil {
		return nil, fmt.Errorf("chat: template: %w", err)
	}
	return &Template{tpl: tpl, bos: bos, eos: eos, now: time.Now}, nil
}

// Render renders messages, ending with the assistant's turn opener when
// addGenerationPrompt is set.
func (c *Template) Render(messages []Message, addGenerationPrompt bool) (string, error) {
	msgs := make([]any, len(messages))
	for i, m := range messages {
		msgs[i] = map[string]any{"role": m.Role, "content": m.Content}
	}
	// raise_exception(msg) is transformers' way for a template to reject
	// a conversation (roles out of order, unsupported system role); its
	// message, not gonja's wrapping of it, is what the client should see.
	var raised string
	raise := func(msg string) (string, error) {
		raised = msg
		return "", errors.New(msg)
	}
	ctx := exec.NewContext(map[string]any{
		"raise_exception":       raise,
		"messages":              msgs,
		"add_generation_prompt": addGenerationPrompt,
		"bos_token":             c.bos,
		"eos_token":             c.eos,
		"tools":                 nil,
		"strftime_now":          c.strftimeNow,
		// llama.cpp passes this to templates (firefunction) that print it.
		"datetime": strftime(c.now(), "%b %d %Y %H:%M:%S GMT"),
	})
	out, err := c.tpl.ExecuteToString(ctx)
	if raised != "" {
		return "", &TemplateError{Msg: raised}
	}
	if err != nil {
		return "", &TemplateError{Msg: err.Error()}
	}
	return out, nil
}

// TemplateError is a chat template's refusal (raise_exception) or failure
// to render a conversation.
type TemplateError struct{ Msg string }

func (e *TemplateError) Error() string { return "chat template: " + e.Msg }
