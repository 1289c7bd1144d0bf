package server

import "github.com/vkllm/vkllm/models/chat"

// The chat template renderer lives in models/chat so the root vkllm API
// shares it; these names keep the server's vocabulary.
type (
	// ChatTemplate renders chat messages into a prompt (chat.Template).
	ChatTemplate = chat.Template
	// Message is one chat message (chat.Message).
	Message = chat.Message
	// TemplateError is raised by a template's raise_exception.
	TemplateError = chat.TemplateError
)

// FallbackTemplate is used when the model has no chat template (ChatML).
const FallbackTemplate = chat.Fallback

// NewChatTemplate parses a chat template; see chat.New.
func NewChatTemplate(src, bos, eos string) (*ChatTemplate, error) { return chat.New(src, bos, eos) }
