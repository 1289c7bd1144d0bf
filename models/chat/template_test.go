package chat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/internal/testenv"
)

var conversation = []Message{
	{Role: "system", Content: "You are a storyteller."},
	{Role: "user", Content: "Tell me about the cat."},
	{Role: "assistant", Content: "The cat sat on the mat."},
}

// noSystem is the conversation for templates that reject a system role.
var noSystem = []Message{
	{Role: "user", Content: "Tell me about the cat."},
	{Role: "assistant", Content: "The cat sat on the mat."},
	{Role: "user", Content: "And the dog?"},
}

// TestTemplatesRender renders a 3-message conversation with every template
// in /work/shared/templates and checks the role markers of its family
// appear, in order, around the messages' text, then the generation prompt.
func TestTemplatesRender(t *testing.T) {
	chatml := []string{"<|im_start|>system\n", "You are a storyteller.", "<|im_end|>", "<|im_start|>user\n", "Tell me about the cat.", "<|im_start|>assistant\n", "The cat sat on the mat.", "<|im_end|>"}
	llama3 := []string{"<|start_header_id|>system<|end_header_id|>", "You are a storyteller.", "<|eot_id|>", "<|start_header_id|>user<|end_header_id|>\n\nTell me about the cat.<|eot_id|>", "<|start_header_id|>assistant<|end_header_id|>\n\nThe cat sat on the mat.<|eot_id|>"}
	deepseek := []string{"You are a storyteller.", "<｜User｜>Tell me about the cat.", "<｜Assistant｜>The cat sat on the mat.<｜end▁of▁sentence｜>"}
	cohere := []string{"<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>", "You are a storyteller.", "<|START_OF_TURN_TOKEN|><|USER_TOKEN|>Tell me about the cat.<|END_OF_TURN_TOKEN|>", "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>", "The cat sat on the mat."}
	cases := []struct {
		file    string
		msgs    []Message
		markers []string
		genTail string // the rendered text with add_generation_prompt ends with this
	}{
		{"CohereForAI-c4ai-command-r-plus-tool_use.jinja", conversation, cohere, "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>"},
		{"CohereForAI-c4ai-command-r7b-12-2024-tool_use.jinja", conversation, cohere, "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>"},
		{"NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja", conversation, chatml, "<|im_start|>assistant\n"},
		{"NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja", conversation, chatml, "<|im_start|>assistant\n"},
		{"Qwen-Qwen2.5-7B-Instruct.jinja", conversation, chatml, "<|im_start|>assistant\n"},
		{"deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja", conversation, deepseek, "<｜Assistant｜><think>\n"},
		{"deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", conversation, deepseek, "<｜Assistant｜><think>\n"},
		{"llama-cpp-deepseek-r1.jinja", conversation, []string{"You are a storyteller.", "<｜User｜>Tell me about the cat.", "<｜Assistant｜>The cat sat on the mat.<｜end▁of▁sentence｜>"}, "<｜Assistant｜><think>\n"},
		{"fireworks-ai-llama-3-firefunction-v2.jinja", conversation, llama3, "<|start_header_id|>assistant<|end_header_id|>\n\n"},
		{"google-gemma-2-2b-it.jinja", noSystem, []string{"<start_of_turn>user\nTell me about the cat.<end_of_turn>\n", "<start_of_turn>model\nThe cat sat on the mat.<end_of_turn>\n", "<start_of_turn>user\nAnd the dog?<end_of_turn>\n"}, "<start_of_turn>model\n"},
		{"meetkai-functionary-medium-v3.1.jinja", conversation, llama3, "<|start_header_id|>assistant<|end_header_id|>\n\n"},
		{"meetkai-functionary-medium-v3.2.jinja", conversation, []string{"<|start_header_id|>system<|end_header_id|>\n\nYou are a storyteller.<|eot_id|>", "<|start_header_id|>user<|end_header_id|>\n\nTell me about the cat.<|eot_id|>", "<|start_header_id|>assistant<|end_header_id|>\n\n>>>all\nThe cat sat on the mat."}, "<|start_header_id|>assistant<|end_header_id|>\n\n>>>"},
		{"meta-llama-Llama-3.1-8B-Instruct.jinja", conversation, llama3, "<|start_header_id|>assistant<|end_header_id|>\n\n"},
		{"meta-llama-Llama-3.2-3B-Instruct.jinja", conversation, append([]string{llama3[0], "Today Date: 02 Mar 2025"}, llama3[1:]...), "<|start_header_id|>assistant<|end_header_id|>\n\n"},
		{"meta-llama-Llama-3.3-70B-Instruct.jinja", conversation, llama3, "<|start_header_id|>assistant<|end_header_id|>\n\n"},
		{"microsoft-Phi-3.5-mini-instruct.jinja", conversation, []string{"<|system|>\nYou are a storyteller.<|end|>\n", "<|user|>\nTell me about the cat.<|end|>\n", "<|assistant|>\nThe cat sat on the mat.<|end|>\n"}, "<|assistant|>\n"},
		// Mistral's template puts the system message into the last user turn.
		{"mistralai-Mistral-Nemo-Instruct-2407.jinja", noSystem, []string{"<s>[INST]Tell me about the cat.[/INST]", "The cat sat on the mat.</s>", "[INST]And the dog?[/INST]"}, "[/INST]"},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.file] = true
		t.Run(c.file, func(t *testing.T) {
			ct := loadTemplate(t, c.file)
			out, err := ct.Render(c.msgs, false)
			require.NoError(t, err)
			assertInOrder(t, out, c.markers)
			gen, err := ct.Render(c.msgs[:firstUser(c.msgs)+1], true)
			require.NoError(t, err)
			assert.True(t, strings.HasSuffix(gen, c.genTail), "generation prompt should end with %q:\n%s", c.genTail, gen)
		})
	}
	files, err := filepath.Glob(filepath.Join(testenv.Shared(t, "templates"), "*.jinja"))
	require.NoError(t, err)
	for _, f := range files {
		assert.True(t, seen[filepath.Base(f)], "template %s has no test case", filepath.Base(f))
	}
}

func loadTemplate(t *testing.T, name string) *Template {
	t.Helper()
	src, err := os.ReadFile(testenv.Shared(t, filepath.Join("templates", name)))
	require.NoError(t, err)
	ct, err := New(string(src), "<s>", "</s>")
	require.NoError(t, err)
	ct.now = func() time.Time { return time.Date(2025, 3, 2, 10, 0, 0, 0, time.UTC) }
	return ct
}

// assertInOrder checks each marker occurs in s after the previous one.
func assertInOrder(t *testing.T, s string, markers []string) {
	t.Helper()
	at := 0
	for _, m := range markers {
		i := strings.Index(s[at:], m)
		if !assert.GreaterOrEqual(t, i, 0, "marker %q missing after offset %d in:\n%s", m, at, s) {
			return
		}
		at += i + len(m)
	}
}

func TestTemplateRaiseException(t *testing.T) {
	ct := loadTemplate(t, "google-gemma-2-2b-it.jinja")
	_, err := ct.Render(conversation, true)
	require.Error(t, err)
	var te *TemplateError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "System role not supported", te.Msg)
}

func TestFallback(t *testing.T) {
	ct, err := New("", "<s>", "</s>")
	require.NoError(t, err)
	out, err := ct.Render(conversation, true)
	require.NoError(t, err)
	assert.Equal(t, "<|im_start|>system\nYou are a storyteller.<|im_end|>\n<|im_start|>user\nTell me about the cat.<|im_end|>\n"+
		"<|im_start|>assistant\nThe cat sat on the mat.<|im_end|>\n<|im_start|>assistant\n", out)
}

// TestTemplatePythonisms covers the Python string methods, filters and
// loop controls real templates use.
func TestTemplatePythonisms(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"trim filter", `{{ messages[0]['content'] | trim }}`, "hi there"},
		{"strip method", `{{ messages[0].content.strip() }}`, "hi there"},
		{"namespace", `{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}`, "2"},
		{"tojson", `{{ messages[1] | tojson }}`, `{"content": "ok", "role": "user"}`},
		{"tojson indent", `{{ {'a': ['<b>', 1]} | tojson(indent=2) }}`, "{\n  \"a\": [\n    \"<b>\",\n    1\n  ]\n}"},
		{"tojson separators in strings", `{{ 'a,b:c' | tojson }}`, `"a,b:c"`},
		{"loop.last", `{% for m in messages %}{{ m.role }}{% if not loop.last %},{% endif %}{% endfor %}`, "system,user"},
		{"loop controls", `{% for m in messages %}{% if m.role == 'system' %}{% continue %}{% endif %}{{ m.role }}{% endfor %}`, "user"},
		{"startswith", `{{ messages[0].content.strip().startswith('hi') }}`, "True"},
		{"strftime_now", `{{ strftime_now('%Y-%m-%d') }}`, "2025-03-02"},
		{"bos eos", `{{ bos_token }}x{{ eos_token }}`, "<s>x</s>"},
	}
	msgs := []Message{{Role: "system", Content: "  hi there \n"}, {Role: "user", Content: "ok"}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ct, err := New(c.src, "<s>", "</s>")
			require.NoError(t, err)
			ct.now = func() time.Time { return time.Date(2025, 3, 2, 10, 0, 0, 0, time.UTC) }
			out, err := ct.Render(msgs, false)
			require.NoError(t, err)
			assert.Equal(t, c.want, out)
		})
	}
}

func TestStrftime(t *testing.T) {
	tm := time.Date(2024, 7, 6, 15, 4, 5, 0, time.UTC)
	assert.Equal(t, "06 Jul 2024", strftime(tm, "%d %b %Y"))
	assert.Equal(t, "Saturday July 2024-07-06 15:04:05 188 %q 100%", strftime(tm, "%A %B %Y-%m-%d %H:%M:%S %j %q 100%%"))
}

func firstUser(msgs []Message) int {
	for i, m := range msgs {
		if m.Role == "user" {
			return i
		}
	}
	return len(msgs) - 1
}
