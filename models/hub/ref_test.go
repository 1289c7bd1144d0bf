package hub

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRef(t *testing.T) {
	tests := []struct {
		in        string
		want      Ref
		url       string // under https://hf.example
		cachePath string
	}{
		{"hf://ggml-org/models/tinyllamas/stories260K.gguf",
			Ref{Owner: "ggml-org", Repo: "models", Path: "tinyllamas/stories260K.gguf"},
			"https://hf.example/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf",
			"hf/ggml-org/models/main/tinyllamas/stories260K.gguf"},
		{"hf://Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf@9217f5db",
			Ref{Owner: "Qwen", Repo: "Qwen2.5-0.5B-Instruct-GGUF", Path: "qwen2.5-0.5b-instruct-q4_k_m.gguf", Revision: "9217f5db"},
			"https://hf.example/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/9217f5db/qwen2.5-0.5b-instruct-q4_k_m.gguf",
			"hf/Qwen/Qwen2.5-0.5B-Instruct-GGUF/9217f5db/qwen2.5-0.5b-instruct-q4_k_m.gguf"},
		{"hf://o/r/a b/c+d.GGUF@refs/pr/1",
			Ref{Owner: "o", Repo: "r", Path: "a b/c+d.GGUF", Revision: "refs/pr/1"},
			"https://hf.example/o/r/resolve/refs%2Fpr%2F1/a%20b/c+d.GGUF",
			"hf/o/r/refs%2Fpr%2F1/a b/c+d.GGUF"},
		{"hf://o/r/x.gguf@main", Ref{Owner: "o", Repo: "r", Path: "x.gguf", Revision: "main"},
			"https://hf.example/o/r/resolve/main/x.gguf", "hf/o/r/main/x.gguf"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseRef(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, r)
			assert.Equal(t, tt.in, r.String())
			assert.Equal(t, tt.url, r.URL("https://hf.example/"))
			assert.Equal(t, filepath.FromSlash(tt.cachePath), r.CachePath())
		})
	}
}

func TestParseRefErrors(t *testing.T) {
	tests := []struct {
		in   string
		off  int
		want string
	}{
		{"ggml-org/models/x.gguf", 0, "does not start with hf://"},
		{"hf://owner/repo", 15, "want owner, repository and file path"},
		{"hf://owner/repo/", 16, "empty"},
		{"hf://own er/repo/x.gguf", 5, `owner "own er"`},
		{"hf://owner/re:po/x.gguf", 11, `repository "re:po"`},
		{"hf://../repo/x.gguf", 5, "not allowed"},
		{"hf://o/r/../x.gguf", 9, `path segment ".."`},
		{"hf://o/r/a//x.gguf", 11, "empty"},
		{"hf://o/r/a\\b.gguf", 9, `character '\\'`},
		{"hf://o/r/x.bin", 14, "not a .gguf file"},
		{"hf://o/r/x.gguf@", 16, "revision: empty"},
		{"hf://o/r/x.gguf@a/../b", 18, `component ".."`},
		{"hf://o/r/x.gguf@v1:2", 18, `character ':'`},
		{"hf://o/r/x.gguf@a@b", 17, `character '@'`},
		{"hf://" + strings.Repeat("a", 97) + "/r/x.gguf", 5, "longer than 96"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseRef(tt.in)
			var fe *FormatError
			require.ErrorAs(t, err, &fe)
			assert.Contains(t, fe.Msg, tt.want)
			assert.Equal(t, tt.off, fe.Off, fe.Error())
			assert.Contains(t, err.Error(), "hf://OWNER/REPO/PATH/FILE.gguf[@REVISION]")
		})
	}
}

// FuzzParseRef checks that every accepted reference round-trips through
// String, stays inside the cache folder, and maps to a resolve URL whose
// path decodes back to the reference's parts.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"hf://ggml-org/models/tinyllamas/stories260K.gguf", "hf://o/r/a b/c.gguf@refs/pr/1",
		"hf://o/r/x.gguf@main", "hf://o/r/../x.gguf", "hf://o/r/x.gguf@", "hf://o/r/%2e%2e/x.gguf", "stories260K"} {
		f.Add(s)
	}
	for _, e := range catalogue {
		f.Add(e.Ref)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRef(s)
		if err != nil {
			var fe *FormatError
			require.ErrorAs(t, err, &fe)
			require.True(t, fe.Off >= 0 && fe.Off <= len(s), "offset %d outside %q", fe.Off, s)
			return
		}
		again, err := ParseRef(r.String())
		require.NoError(t, err)
		require.Equal(t, r, again)
		require.Equal(t, s, r.String())
		cp := r.CachePath()
		require.True(t, filepath.IsLocal(cp), cp)
		require.True(t, strings.HasPrefix(cp, "hf"+string(filepath.Separator)), cp)
		u, err := url.Parse(r.URL("http://127.0.0.1:1"))
		require.NoError(t, err)
		want := "/" + r.Owner + "/" + r.Repo + "/resolve/" + r.Rev() + "/" + r.Path
		require.Equal(t, want, u.Path)
	})
}

func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range Catalogue() {
		t.Run(e.Name, func(t *testing.T) {
			assert.False(t, seen[strings.ToLower(e.Name)], "duplicate name")
			seen[strings.ToLower(e.Name)] = true
			_, err := ParseRef(e.Ref)
			require.NoError(t, err)
			if e.SHA256 != "" {
				assert.True(t, isSHA256(e.SHA256) && strings.ToLower(e.SHA256) == e.SHA256, e.SHA256)
			}
			assert.GreaterOrEqual(t, e.Size, int64(0))
			assert.NotEmpty(t, e.Description)
		})
	}
	_, ok := Lookup(DefaultModel)
	assert.True(t, ok, "the default model is in the catalogue")
}

func TestLocate(t *testing.T) {
	dir := t.TempDir()
	local := filepath.Join(dir, "stories260K")
	existing := func(s string) bool { return s == local || s == "qwen2.5-0.5b-instruct" }
	tests := []struct {
		in        string
		wantLocal string
		wantName  string
		wantRef   string
		wantErr   string
	}{
		{in: "", wantErr: "empty"},
		{in: "hf://o/r/x.gguf", wantRef: "hf://o/r/x.gguf"},
		{in: "hf://o/r/x.bin", wantErr: "not a .gguf"},
		{in: "https://huggingface.co/o/r/resolve/main/x.gguf", wantErr: "only local paths"},
		{in: "stories260K", wantName: "stories260K", wantRef: catalogue[0].Ref},
		{in: "STORIES260k", wantName: "stories260K", wantRef: catalogue[0].Ref},
		{in: "qwen2.5-0.5b-instruct", wantLocal: "qwen2.5-0.5b-instruct"}, // a file of that name wins
		{in: local, wantLocal: local},
		{in: "models/x.gguf", wantLocal: "models/x.gguf"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			src, err := Locate(tt.in, existing)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantLocal, src.Local)
			assert.Equal(t, tt.wantName, src.Name)
			if tt.wantRef != "" {
				assert.Equal(t, tt.wantRef, src.Ref.String())
			}
			if tt.wantName != "" {
				e, _ := Lookup(tt.wantName)
				assert.Equal(t, e.SHA256, src.SHA256)
				assert.Equal(t, e.Size, src.Size)
			}
		})
	}
}

func TestParseContentRange(t *testing.T) {
	tests := []struct {
		in           string
		start, total int64
		ok           bool
	}{
		{"bytes 100-199/200", 100, 200, true},
		{"bytes 0-0/1", 0, 1, true},
		{"bytes 5-9/*", 5, -1, true},
		{"bytes 100-199/150", 0, 0, false},
		{"bytes 9-5/20", 0, 0, false},
		{"bytes */200", 0, 0, false},
		{"items 0-1/2", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tt := range tests {
		start, total, ok := parseContentRange(tt.in)
		assert.Equal(t, tt.ok, ok, tt.in)
		if tt.ok {
			assert.Equal(t, []int64{tt.start, tt.total}, []int64{start, total}, tt.in)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1185376: "1.1 MiB",
		807694464: "770.3 MiB", 5 << 30: "5.0 GiB"} {
		assert.Equal(t, want, FormatBytes(n))
	}
}
