package hub

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Cached is one file in the cache.
type Cached struct {
	Ref      Ref
	Name     string // catalogue name naming the same file, or ""
	Path     string
	Size     int64 // bytes on disk (so far, for a partial download)
	Partial  bool  // an unfinished download, resumable by Pull
	Modified time.Time
}

// List returns the cached files, finished and partial, sorted by reference.
// Files that do not fit the cache layout are ignored.
func (c *Client) List() ([]Cached, error) {
	root := filepath.Join(c.opt.Dir, "hf")
	var out []Cached
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == root {
				return fs.SkipAll
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if e, ok := cachedEntry(root, path, d); ok {
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hub: list %s: %w", root, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// cachedEntry maps a file under root (the hf folder) back to its reference.
func cachedEntry(root, path string, d fs.DirEntry) (Cached, bool) {
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return Cached{}, false
	}
	rel, partial := strings.CutSuffix(filepath.ToSlash(rel), partialSuffix)
	segs := strings.Split(rel, "/")
	if len(segs) < 4 {
		return Cached{}, false
	}
	rev, err := url.PathUnescape(segs[2])
	if err != nil {
		return Cached{}, false
	}
	s := Scheme + segs[0] + "/" + segs[1] + "/" + strings.Join(segs[3:], "/")
	if rev != "main" {
		s += "@" + rev
	}
	r, err := ParseRef(s)
	if err != nil {
		return Cached{}, false
	}
	info, err := d.Info()
	if err != nil {
		return Cached{}, false
	}
	return Cached{Ref: r, Name: catalogueName(r), Path: path, Size: info.Size(), Partial: partial, Modified: info.ModTime()}, true
}

// Remove deletes a cached file named by a hf:// reference or catalogue name,
// with any partial download of it, and returns the paths removed. It fails
// with ErrBusy while the file is downloading and ErrNotCached when there is
// nothing to remove.
func (c *Client) Remove(ref string) ([]string, error) {
	src, err := Locate(ref, func(string) bool { return false })
	if err != nil {
		return nil, err
	}
	if src.Local != "" {
		return nil, fmt.Errorf("hub: %q is neither a %s reference nor a catalogue name (%s)", ref, Scheme, names())
	}
	dest := c.Path(src.Ref)
	if _, err := os.Stat(filepath.Dir(dest)); err != nil {
		return nil, fmt.Errorf("%w: %s (looked for %s)", ErrNotCached, src.Ref, dest)
	}
	if err := os.MkdirAll(filepath.Join(c.opt.Dir, locksDir), 0o755); err != nil {
		return nil, fmt.Errorf("hub: remove %s: %w", src.Ref, err)
	}
	unlock, err := tryLock(c.lockPath(src.Ref))
	if err != nil {
		return nil, fmt.Errorf("hub: remove %s: %w", src.Ref, err)
	}
	defer unlock()
	var removed []string
	for _, p := range []string{dest, dest + partialSuffix, dest + metaSuffix} {
		if err := os.Remove(p); err == nil {
			removed = append(removed, p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("hub: remove %s: %w", src.Ref, err)
		}
	}
	c.prune(filepath.Dir(dest))
	if len(removed) == 0 {
		return nil, fmt.Errorf("%w: %s (looked for %s)", ErrNotCached, src.Ref, dest)
	}
	return removed, nil
}

// prune removes dir and its parents while they are empty, stopping at the
// cache's hf folder.
func (c *Client) prune(dir string) {
	stop := filepath.Join(c.opt.Dir, "hf")
	for dir != stop && strings.HasPrefix(dir, stop+string(filepath.Separator)) {
		if os.Remove(dir) != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}
