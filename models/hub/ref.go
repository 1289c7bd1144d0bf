package hub

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// Scheme prefixes every Hugging Face model reference.
const Scheme = "hf://"

// Limits on reference parts. Hugging Face caps repository names at 96
// characters; the others bound what a reference can make us create on disk.
const (
	maxNameLen     = 96
	maxSegmentLen  = 255
	maxPathLen     = 1024
	maxRevisionLen = 255
)

// Ref names one file in a Hugging Face model repository at a revision:
// hf://OWNER/REPO/PATH/FILE.gguf[@REVISION].
type Ref struct {
	Owner    string // user or organisation
	Repo     string // repository name
	Path     string // slash-separated file path inside the repository
	Revision string // branch, tag or commit; empty means "main"
}

// FormatError reports a malformed reference and the byte offset of the
// offending part.
type FormatError struct {
	Input string
	Off   int
	Msg   string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("hub: reference %q: %s (at byte %d); want %sOWNER/REPO/PATH/FILE.gguf[@REVISION]",
		e.Input, e.Msg, e.Off, Scheme)
}

// ParseRef parses hf://OWNER/REPO/PATH/FILE.gguf[@REVISION]. It rejects
// anything that could escape the cache folder or that Hugging Face would not
// accept as a name, so Ref.CachePath is always a local path.
func ParseRef(s string) (Ref, error) {
	bad := func(off int, format string, args ...any) (Ref, error) {
		return Ref{}, &FormatError{Input: s, Off: off, Msg: fmt.Sprintf(format, args...)}
	}
	if !strings.HasPrefix(s, Scheme) {
		return bad(0, "does not start with %s", Scheme)
	}
	body := s[len(Scheme):]
	var r Ref
	if at := strings.IndexByte(body, '@'); at >= 0 {
		r.Revision = body[at+1:]
		if off, msg := checkRevision(r.Revision); msg != "" {
			return bad(len(Scheme)+at+1+off, "revision: %s", msg)
		}
		body = body[:at]
	}
	segs := strings.Split(body, "/")
	if len(segs) < 3 {
		return bad(len(s), "want owner, repository and file path")
	}
	off := len(Scheme)
	for i, seg := range segs {
		if msg := checkSegment(seg, i < 2); msg != "" {
			return bad(off, "%s %q: %s", partName(i), seg, msg)
		}
		off += len(seg) + 1
	}
	r.Owner, r.Repo, r.Path = segs[0], segs[1], strings.Join(segs[2:], "/")
	if len(r.Path) > maxPathLen {
		return bad(len(Scheme)+len(r.Owner)+len(r.Repo)+2, "file path longer than %d bytes", maxPathLen)
	}
	if !strings.HasSuffix(strings.ToLower(r.Path), ".gguf") {
		return bad(len(Scheme)+len(body), "file %q is not a .gguf file", r.Path)
	}
	return r, nil
}

func partName(i int) string {
	switch i {
	case 0:
		return "owner"
	case 1:
		return "repository"
	}
	return "path segment"
}

// checkSegment validates one owner, repository or path segment. Names
// (owner, repository) follow Hugging Face's rule: letters, digits, '-', '_'
// and '.'. Path segments also allow a few other printable characters but
// none that is special in URLs, in references (@) or on Windows.
func checkSegment(seg string, name bool) string {
	switch {
	case seg == "":
		return "empty"
	case seg == "." || seg == "..":
		return "not allowed"
	case name && len(seg) > maxNameLen:
		return fmt.Sprintf("longer than %d bytes", maxNameLen)
	case len(seg) > maxSegmentLen:
		return fmt.Sprintf("longer than %d bytes", maxSegmentLen)
	}
	for _, c := range []byte(seg) {
		if !nameByte(c) && (name || !pathByte(c)) {
			return fmt.Sprintf("character %q not allowed", c)
		}
	}
	return ""
}

func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

func pathByte(c byte) bool {
	return c > ' ' && c < 0x7f && !strings.ContainsRune(`\:*?"<>|%#@`, rune(c)) || c == ' ' || c >= 0x80
}

// checkRevision validates a branch, tag or commit name, which may contain
// slashes (refs/pr/1) but no empty or dot-dot components. It returns the
// offset within rev and a message, or "" when rev is fine.
func checkRevision(rev string) (int, string) {
	if rev == "" {
		return 0, "empty"
	}
	if len(rev) > maxRevisionLen {
		return maxRevisionLen, fmt.Sprintf("longer than %d bytes", maxRevisionLen)
	}
	for i, c := range []byte(rev) {
		if !nameByte(c) && c != '/' {
			return i, fmt.Sprintf("character %q not allowed", c)
		}
	}
	off := 0
	for _, part := range strings.Split(rev, "/") {
		if part == "" || part == "." || part == ".." {
			return off, fmt.Sprintf("component %q not allowed", part)
		}
		off += len(part) + 1
	}
	return 0, ""
}

// Rev returns the revision, "main" when none was given.
func (r Ref) Rev() string {
	if r.Revision == "" {
		return "main"
	}
	return r.Revision
}

// String returns the reference in its hf:// form; ParseRef(r.String()) == r.
func (r Ref) String() string {
	s := Scheme + r.Owner + "/" + r.Repo + "/" + r.Path
	if r.Revision != "" {
		s += "@" + r.Revision
	}
	return s
}

// URL returns the download URL under endpoint, in Hugging Face's layout
// {endpoint}/{owner}/{repo}/resolve/{revision}/{path}.
func (r Ref) URL(endpoint string) string {
	segs := strings.Split(r.Path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.TrimRight(endpoint, "/") + "/" + r.Owner + "/" + r.Repo + "/resolve/" +
		url.PathEscape(r.Rev()) + "/" + strings.Join(segs, "/")
}

// CachePath returns the file's path relative to the cache folder:
// hf/OWNER/REPO/REVISION/PATH. A revision's slashes are escaped (%2F) so it
// stays one folder; "main" and an empty revision share a folder.
func (r Ref) CachePath() string {
	parts := append([]string{"hf", r.Owner, r.Repo, url.PathEscape(r.Rev())}, strings.Split(r.Path, "/")...)
	return filepath.Join(parts...)
}

// sameFile reports whether a and b name the same cached file.
func (r Ref) sameFile(o Ref) bool { return r.CachePath() == o.CachePath() }
