package hub

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"
)

// Suffixes of the files kept beside a cached file while it downloads.
const (
	partialSuffix = ".partial"      // the bytes received so far
	metaSuffix    = ".partial.json" // URL and validator the partial bytes came from
)

var ggufMagic = []byte("GGUF")

// transfer is one download into dest+".partial"; the caller holds the lock.
// Invariant between attempts: the partial file holds exactly off bytes, h
// has hashed exactly those bytes, and meta names the URL and validator they
// came from.
type transfer struct {
	c         *Client
	src       Source
	url       string
	dest      string
	f         *os.File
	h         hash.Hash
	off       int64
	total     int64 // full size from the last response, -1 unknown
	meta      partialMeta
	linkedSHA string // sha256 the server advertised (X-Linked-Etag)
	prog      *progress
	alive     func() // resets the stall watchdog
	restarted bool
}

func (c *Client) download(ctx context.Context, src Source, dest string) error {
	t := &transfer{c: c, src: src, url: src.Ref.URL(c.opt.Endpoint), dest: dest, h: sha256.New(), total: -1}
	if err := t.open(); err != nil {
		return err
	}
	err := t.run(ctx)
	if err == nil {
		return t.commit()
	}
	t.f.Close()
	return t.fail(err)
}

// run makes attempts until the body is complete, resuming after a dropped
// connection as long as each attempt makes progress.
func (t *transfer) run(ctx context.Context) error {
	t.prog = newProgress(t.c, t.src.Ref.String(), t.off)
	for attempt := 0; ; attempt++ {
		before := t.off
		err := t.attempt(ctx)
		if err == nil {
			t.prog.done(t.off, t.total)
			return nil
		}
		var re *retryable
		if !errors.As(err, &re) || ctx.Err() != nil {
			return err
		}
		// A restart (at most one per pull) always gets its attempt; a
		// dropped connection only while attempts make progress.
		if !re.restart && (attempt >= t.c.opt.Retries || t.off == before) {
			return err
		}
		t.c.log.Warn("download interrupted, resuming", "ref", t.src.Ref.String(), "at", t.off, "err", err)
	}
}

// retryable marks an error after which another attempt may succeed: a
// dropped connection, or a server answer that made us restart from zero.
type retryable struct {
	err     error
	restart bool
}

func (e *retryable) Error() string { return e.err.Error() }
func (e *retryable) Unwrap() error { return e.err }

// attempt sends one GET (a Range request when bytes are already here) and
// appends the body to the partial file.
func (t *transfer) attempt(ctx context.Context) error {
	// The watchdog cancels the request when no byte arrives for StallTimeout:
	// a silent connection is treated like a dropped one and resumed.
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watchdog := time.AfterFunc(t.c.opt.StallTimeout, func() { cancel(errStalled) })
	defer watchdog.Stop()
	t.alive = func() { watchdog.Reset(t.c.opt.StallTimeout) }
	req, err := http.NewRequestWithContext(actx, http.MethodGet, t.url, nil)
	if err != nil {
		return fmt.Errorf("hub: %s: %w", t.src.Ref, err)
	}
	req.Header.Set("User-Agent", "vkllm")
	req.Header.Set("Accept-Encoding", "identity") // byte ranges of the file itself, not of a gzip stream
	if t.c.opt.Token != "" {
		req.Header.Set("Authorization", "Bearer "+t.c.opt.Token)
	}
	if t.off > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", t.off))
		if t.meta.Validator != "" {
			req.Header.Set("If-Range", t.meta.Validator)
		}
	}
	resp, err := t.c.opt.HTTPClient.Do(req)
	if err != nil {
		return t.netErr(ctx, actx, err)
	}
	defer resp.Body.Close()
	if err := t.accept(resp); err != nil {
		return err
	}
	return t.copy(ctx, actx, resp)
}

// errStalled cancels an attempt that received nothing for StallTimeout.
var errStalled = errors.New("no data received")

// netErr explains a failed request: cancellation, a stall, or no
// connection. ctx is the caller's context, actx the attempt's.
func (t *transfer) netErr(ctx, actx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("hub: %s: download stopped: %w", t.src.Ref, ctx.Err())
	}
	if context.Cause(actx) == errStalled {
		return &retryable{err: fmt.Errorf("%w: %s: %v for %v", ErrNetwork, t.src.Ref, errStalled, t.c.opt.StallTimeout)}
	}
	return fmt.Errorf("%w: %s: cannot reach %s: %v (check the network connection, HTTPS_PROXY, or %s)",
		ErrNetwork, t.src.Ref, t.c.opt.Endpoint, err, EnvEndpoint)
}

// accept checks the status and headers of a response and lines the partial
// file up with the body about to arrive.
func (t *transfer) accept(resp *http.Response) error {
	switch resp.StatusCode {
	case http.StatusOK:
		if t.off > 0 { // Range ignored, or If-Range saw a changed file
			t.c.log.Info("server sent the whole file; restarting", "ref", t.src.Ref.String(), "had", t.off)
			if err := t.reset(); err != nil {
				return err
			}
		}
		t.total = resp.ContentLength
	case http.StatusPartialContent:
		start, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != t.off {
			return t.restart(fmt.Sprintf("unexpected Content-Range %q for offset %d", resp.Header.Get("Content-Range"), t.off))
		}
		t.total = total
	case http.StatusRequestedRangeNotSatisfiable:
		if t.off > 0 {
			return t.restart("range not satisfiable")
		}
		return t.statusErr(resp)
	default:
		return t.statusErr(resp)
	}
	if t.src.Size > 0 && t.total >= 0 && t.total != t.src.Size {
		return fmt.Errorf("%w: %s: the server has %d bytes but the catalogue expects %d; refusing the download",
			ErrChecksum, t.src.Ref, t.total, t.src.Size)
	}
	t.linkedSHA = linkedSHA256(resp)
	return t.saveMeta(resp)
}

// restart drops the partial bytes after a response that cannot continue them.
func (t *transfer) restart(why string) error {
	if t.restarted {
		return fmt.Errorf("%w: %s: %s after restarting", ErrNetwork, t.src.Ref, why)
	}
	t.restarted = true
	if err := t.reset(); err != nil {
		return err
	}
	return &retryable{err: fmt.Errorf("hub: %s: %s; restarting from zero", t.src.Ref, why), restart: true}
}

func (t *transfer) statusErr(resp *http.Response) error {
	ref := t.src.Ref
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		if t.c.opt.Token == "" {
			return fmt.Errorf("%w: %s: HTTP %s: the repository is gated or private; set %s to a Hugging Face "+
				"access token (and accept the model's terms on its page)", ErrUnauthorized, ref, resp.Status, EnvToken)
		}
		return fmt.Errorf("%w: %s: HTTP %s although %s is set: check that the token is valid and has access "+
			"to %s/%s (gated models need their terms accepted)", ErrUnauthorized, ref, resp.Status, EnvToken, ref.Owner, ref.Repo)
	case http.StatusNotFound:
		return fmt.Errorf("%w: %s: HTTP %s from %s: check the owner, repository, file path and revision",
			ErrNotFound, ref, resp.Status, t.url)
	}
	return fmt.Errorf("hub: %s: HTTP %s from %s", ref, resp.Status, t.url)
}

// copy appends the body to the partial file, hashing as it goes. A body that
// does not start with the GGUF magic is refused before any of it is written.
func (t *transfer) copy(ctx, actx context.Context, resp *http.Response) error {
	body := io.Reader(resp.Body)
	if t.off == 0 {
		br := bufio.NewReaderSize(resp.Body, 4096)
		if head, _ := br.Peek(len(ggufMagic)); !bytes.Equal(head, ggufMagic) {
			return notGGUF(t.src.Ref, resp.Header.Get("Content-Type"), head)
		}
		body = br
	}
	buf := make([]byte, 1<<20)
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			t.alive()
			if err := t.write(buf[:n]); err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			if ctx.Err() != nil || context.Cause(actx) == errStalled {
				return t.netErr(ctx, actx, rerr)
			}
			return &retryable{err: fmt.Errorf("%w: %s: connection lost after %d bytes: %v", ErrNetwork, t.src.Ref, t.off, rerr)}
		}
	}
	if t.total >= 0 && t.off != t.total {
		return &retryable{err: fmt.Errorf("%w: %s: body ended at %d of %d bytes", ErrNetwork, t.src.Ref, t.off, t.total)}
	}
	return nil
}

// write appends p. On a short write the file is cut back to off so the
// invariant holds and a later pull resumes cleanly.
func (t *transfer) write(p []byte) error {
	if _, err := t.f.Write(p); err != nil {
		_ = t.f.Truncate(t.off)
		_, _ = t.f.Seek(t.off, io.SeekStart)
		return fmt.Errorf("hub: %s: write %s: %w", t.src.Ref, t.f.Name(), diskErr(err))
	}
	t.h.Write(p)
	t.off += int64(len(p))
	t.prog.update(t.off, t.total)
	return nil
}

// diskErr marks a full disk with ErrDiskFull.
func diskErr(err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w (%w)", ErrDiskFull, err)
	}
	return err
}

func notGGUF(ref Ref, ctype string, head []byte) error {
	what := fmt.Sprintf("it starts with %q", head)
	if ctype != "" {
		what += ", Content-Type " + ctype
	}
	return fmt.Errorf("%w: %s: the server's answer is not a GGUF model (%s); nothing was saved. "+
		"Check that the reference names a .gguf file", ErrNotGGUF, ref, what)
}

// parseContentRange parses "bytes START-END/TOTAL" (TOTAL may be "*").
func parseContentRange(s string) (start, total int64, ok bool) {
	var end int64
	rest, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, tot, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	if _, err := fmt.Sscanf(rng, "%d-%d", &start, &end); err != nil || start < 0 || end < start {
		return 0, 0, false
	}
	if tot == "*" {
		return start, -1, true
	}
	if _, err := fmt.Sscanf(tot, "%d", &total); err != nil || total <= end {
		return 0, 0, false
	}
	return start, total, true
}

// linkedSHA256 returns the sha256 Hugging Face advertises for an LFS file in
// X-Linked-Etag, on the response or on a redirect that led to it.
func linkedSHA256(resp *http.Response) string {
	for r := resp; r != nil; {
		if v := strings.Trim(r.Header.Get("X-Linked-Etag"), `"`); isSHA256(v) {
			return strings.ToLower(v)
		}
		if r.Request == nil {
			break
		}
		r = r.Request.Response
	}
	return ""
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
