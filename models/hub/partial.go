package hub

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// partialMeta is stored beside a partial file so a resumed download asks
// for the rest of the same bytes: If-Range makes the server send the whole
// file instead when its validator changed.
type partialMeta struct {
	URL       string `json:"url"`
	Validator string `json:"validator,omitempty"` // strong ETag, else Last-Modified
}

// maxMetaBytes bounds the sidecar we read back; it is ours but lives on disk.
const maxMetaBytes = 64 << 10

// open opens (or creates) the partial file and takes over its bytes when
// they came from the same URL, hashing them so the digest covers the file.
func (t *transfer) open() error {
	f, err := os.OpenFile(t.dest+partialSuffix, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("hub: %s: %w", t.src.Ref, diskErr(err))
	}
	t.f = f
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("hub: %s: %w", t.src.Ref, err)
	}
	t.meta = readMeta(t.dest + metaSuffix)
	if st.Size() == 0 {
		t.meta = partialMeta{}
		return nil
	}
	if t.meta.URL != t.url {
		if err := t.reset(); err != nil {
			f.Close()
			return err
		}
		return nil
	}
	if n, err := io.Copy(t.h, io.NewSectionReader(f, 0, st.Size())); err != nil || n != st.Size() {
		f.Close()
		return fmt.Errorf("hub: %s: read partial download: %w", t.src.Ref, err)
	}
	t.off = st.Size()
	if _, err := f.Seek(t.off, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("hub: %s: %w", t.src.Ref, err)
	}
	t.c.log.Info("resuming download", "ref", t.src.Ref.String(), "from", t.off)
	return nil
}

func readMeta(path string) partialMeta {
	var m partialMeta
	f, err := os.Open(path)
	if err != nil {
		return m
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxMetaBytes))
	if err != nil || json.Unmarshal(b, &m) != nil {
		return partialMeta{}
	}
	return m
}

// reset empties the partial file.
func (t *transfer) reset() error {
	t.off = 0
	t.h.Reset()
	t.meta = partialMeta{}
	if t.prog != nil {
		t.prog.rebase(0)
	}
	if err := t.f.Truncate(0); err != nil {
		return fmt.Errorf("hub: %s: %w", t.src.Ref, diskErr(err))
	}
	if _, err := t.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("hub: %s: %w", t.src.Ref, err)
	}
	return nil
}

// saveMeta records where the partial bytes come from before any arrive.
func (t *transfer) saveMeta(resp *http.Response) error {
	m := partialMeta{URL: t.url, Validator: validator(resp)}
	if m == t.meta {
		return nil
	}
	b, _ := json.Marshal(m)
	if err := os.WriteFile(t.dest+metaSuffix, b, 0o644); err != nil {
		return fmt.Errorf("hub: %s: %w", t.src.Ref, diskErr(err))
	}
	t.meta = m
	return nil
}

// validator picks what If-Range may carry: a strong ETag, else
// Last-Modified (weak ETags are not allowed there).
func validator(resp *http.Response) string {
	if et := resp.Header.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
		return et
	}
	return resp.Header.Get("Last-Modified")
}

// commit checks the finished partial file and renames it into place, so a
// file under its final name is always whole.
func (t *transfer) commit() error {
	ref := t.src.Ref
	head := make([]byte, len(ggufMagic))
	if _, err := t.f.ReadAt(head, 0); err != nil || string(head) != string(ggufMagic) {
		t.f.Close()
		return t.discard(notGGUF(ref, "", head))
	}
	got := hex.EncodeToString(t.h.Sum(nil))
	want := strings.ToLower(t.src.SHA256)
	if want == "" {
		want = t.linkedSHA
	}
	if want != "" && got != want {
		t.f.Close()
		return t.discard(fmt.Errorf("%w: %s: the downloaded file has sha256 %s, expected %s; the file was deleted",
			ErrChecksum, ref, got, want))
	}
	if err := t.f.Sync(); err != nil {
		t.f.Close()
		return t.fail(fmt.Errorf("hub: %s: sync: %w", ref, diskErr(err)))
	}
	if err := t.f.Close(); err != nil {
		return t.fail(fmt.Errorf("hub: %s: close: %w", ref, diskErr(err)))
	}
	if err := os.Rename(t.dest+partialSuffix, t.dest); err != nil {
		return t.fail(fmt.Errorf("hub: %s: %w", ref, err))
	}
	os.Remove(t.dest + metaSuffix)
	syncDir(filepath.Dir(t.dest))
	t.c.log.Info("downloaded", "ref", ref.String(), "path", t.dest, "bytes", t.off, "sha256", got, "verified", want != "")
	return nil
}

// fail explains what is left behind after err: an empty partial file is
// removed; otherwise it stays for the next pull to resume.
func (t *transfer) fail(err error) error {
	if errors.Is(err, ErrNotGGUF) || errors.Is(err, ErrChecksum) {
		return t.discard(err)
	}
	if t.off == 0 {
		t.removeFiles()
		if errors.Is(err, ErrDiskFull) {
			return fmt.Errorf("%w; no partial download was kept: free some space and pull again", err)
		}
		return err
	}
	return fmt.Errorf("%w; the partial download (%d bytes, %s) is kept: run the pull again to resume it",
		err, t.off, t.dest+partialSuffix)
}

// discard removes the partial file after content that must not be kept.
func (t *transfer) discard(err error) error {
	t.removeFiles()
	return err
}

func (t *transfer) removeFiles() {
	os.Remove(t.dest + partialSuffix)
	os.Remove(t.dest + metaSuffix)
}

// syncDir makes a rename durable; failures only cost durability, not
// correctness, so they are ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
