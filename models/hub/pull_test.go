package hub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/internal/testenv"
	"github.com/vkllm/vkllm/models/hub/hubtest"
)

const testRef = "hf://tiny/stories/stories260K-f32.gguf"

// modelBytes returns the shared stories260K file, the body every test serves.
func modelBytes(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(testenv.Model(t, "stories260K-f32.gguf"))
	require.NoError(t, err)
	return b
}

// testLogger sends the client's log lines to the test's output.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// setup serves f at testRef and returns a client on a fresh cache.
func setup(t *testing.T, f *hubtest.File, opt Options) (*Client, *hubtest.Server) {
	t.Helper()
	srv := hubtest.New(t)
	srv.Add("tiny", "stories", "main", "stories260K-f32.gguf", f)
	opt.Dir = t.TempDir()
	opt.Endpoint = srv.URL
	opt.Logger = testLogger(t)
	c, err := New(opt)
	require.NoError(t, err)
	return c, srv
}

// leftovers lists the files beside the cached one (partial, metadata).
func leftovers(t *testing.T, c *Client) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(c.Dir(), "hf", "tiny", "stories", "main", "*.partial*"))
	require.NoError(t, err)
	return m
}

// assertFile checks that the file at path holds want.
func assertFile(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(want, got), "file differs")
}

// pullFile pulls testRef with c, checks that the cached file holds want and
// returns its path.
func pullFile(t *testing.T, c *Client, want []byte) string {
	t.Helper()
	path, err := c.Pull(context.Background(), testRef)
	require.NoError(t, err)
	assertFile(t, path, want)
	return path
}

// assertPartial checks that c kept a partial download of size bytes.
func assertPartial(t *testing.T, c *Client, size int64) {
	t.Helper()
	st, err := os.Stat(c.Path(mustRef(t, testRef)) + partialSuffix)
	require.NoError(t, err)
	assert.Equal(t, size, st.Size())
}

// assertResumed checks that srv saw two requests, the second one for the
// bytes from off on.
func assertResumed(t *testing.T, srv *hubtest.Server, off int) []hubtest.Request {
	t.Helper()
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, fmt.Sprintf("bytes=%d-", off), reqs[1].Range)
	return reqs
}

func TestPull(t *testing.T) {
	data := modelBytes(t)
	c, srv := setup(t, &hubtest.File{Data: data, ETag: `"v1"`}, Options{})
	path := pullFile(t, c, data)
	assert.Equal(t, filepath.Join(c.Dir(), "hf", "tiny", "stories", "main", "stories260K-f32.gguf"), path)
	assert.Empty(t, leftovers(t, c))

	again, err := c.Pull(context.Background(), testRef)
	require.NoError(t, err)
	assert.Equal(t, path, again)
	reqs := srv.Requests()
	require.Len(t, reqs, 1, "a cached file is not downloaded again")
	assert.Equal(t, "/tiny/stories/resolve/main/stories260K-f32.gguf", reqs[0].Path)
	assert.Empty(t, reqs[0].Range)
	assert.Empty(t, reqs[0].Authorization, "no token, no Authorization header")
}

// A connection cut mid-body is resumed with a Range request for the rest,
// guarded by If-Range, within the same Pull.
func TestPullResumesAfterCut(t *testing.T) {
	data := modelBytes(t)
	const cut = 300_001
	var seen []int64
	c, srv := setup(t, &hubtest.File{Data: data, ETag: `"v1"`, CutAfter: cut},
		Options{Progress: func(done, total int64) { seen = append(seen, done) }})
	pullFile(t, c, data)
	reqs := assertResumed(t, srv, cut)
	assert.Empty(t, reqs[0].Range)
	assert.Equal(t, `"v1"`, reqs[1].IfRange)
	assert.Equal(t, int64(len(data)), seen[len(seen)-1])
	assert.Empty(t, leftovers(t, c))
}

// Without retries the cut leaves a partial file that the next Pull resumes.
func TestPullResumesNextTime(t *testing.T) {
	data := modelBytes(t)
	const cut = 4096
	c, srv := setup(t, &hubtest.File{Data: data, ETag: `"v1"`, CutAfter: cut}, Options{Retries: -1})
	_, err := c.Pull(context.Background(), testRef)
	require.ErrorIs(t, err, ErrNetwork)
	assert.Contains(t, err.Error(), "partial download (4096 bytes")
	assert.Contains(t, err.Error(), "run the pull again to resume")
	assertPartial(t, c, cut)

	pullFile(t, c, data)
	assertResumed(t, srv, cut)
}

// A server that ignores Range (200 with the whole body) or whose file
// changed (If-Range mismatch) restarts the download from zero.
func TestPullRestarts(t *testing.T) {
	data := modelBytes(t)
	tests := []struct {
		name string
		file *hubtest.File
		// change runs between the cut attempt and the resume
		change func(*hubtest.File)
		want   []byte
	}{
		{"server ignores Range", &hubtest.File{Data: data, CutAfter: 1000, IgnoreRange: true}, nil, data},
		{"file changed", &hubtest.File{Data: append([]byte("GGUFold!"), data[8:]...), ETag: `"old"`, CutAfter: 1000},
			func(f *hubtest.File) { f.Data, f.ETag = data, `"new"` }, data},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv := setup(t, tt.file, Options{Retries: -1})
			_, err := c.Pull(context.Background(), testRef)
			require.ErrorIs(t, err, ErrNetwork)
			if tt.change != nil {
				tt.change(tt.file)
			}
			pullFile(t, c, tt.want)
			assertResumed(t, srv, 1000)
		})
	}
}

func mustRef(t *testing.T, s string) Ref {
	t.Helper()
	r, err := ParseRef(s)
	require.NoError(t, err)
	return r
}

// Content that fails a check is deleted, and the error says why.
func TestPullBadContent(t *testing.T) {
	data := modelBytes(t)
	good, bad := sha(data), sha([]byte("something else"))
	tests := []struct {
		name    string
		file    *hubtest.File
		wantErr error
		want    []string
	}{
		{"linked sha256 mismatch", &hubtest.File{Data: data, LinkedSHA: bad}, ErrChecksum,
			[]string{"sha256 " + good, "expected " + bad, "the file was deleted"}},
		{"linked sha256 mismatch on redirect", &hubtest.File{Data: data, LinkedSHA: bad, Redirect: true}, ErrChecksum,
			[]string{"expected " + bad, "deleted"}},
		{"html page", &hubtest.File{Data: []byte("<!DOCTYPE html><html>login</html>")}, ErrNotGGUF,
			[]string{`starts with "<!DO"`, "nothing was saved"}},
		{"empty body", &hubtest.File{Data: nil}, ErrNotGGUF, []string{`starts with ""`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := setup(t, tt.file, Options{})
			_, err := c.Pull(context.Background(), testRef)
			require.ErrorIs(t, err, tt.wantErr)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NoFileExists(t, c.Path(mustRef(t, testRef)))
			assert.Empty(t, leftovers(t, c))
		})
	}
}

func TestPullVerifiesLinkedSHA(t *testing.T) {
	data := modelBytes(t)
	c, _ := setup(t, &hubtest.File{Data: data, LinkedSHA: sha(data), Redirect: true}, Options{})
	path, err := c.Pull(context.Background(), testRef)
	require.NoError(t, err)
	assert.FileExists(t, path)
}

// The catalogue's digest applies to catalogue names, through the configured
// endpoint: the shared stories260K differs from the published one (its
// context length was corrected), so pulling the name must refuse it.
func TestPullCatalogueChecksum(t *testing.T) {
	data := modelBytes(t)
	e, _ := Lookup(DefaultModel)
	r := mustRef(t, e.Ref)
	srv := hubtest.New(t)
	p := srv.Add(r.Owner, r.Repo, r.Rev(), r.Path, &hubtest.File{Data: data})
	c, err := New(Options{Dir: t.TempDir(), Endpoint: srv.URL, Logger: testLogger(t)})
	require.NoError(t, err)
	_, err = c.Pull(context.Background(), DefaultModel)
	require.ErrorIs(t, err, ErrChecksum)
	assert.Contains(t, err.Error(), "expected "+e.SHA256)
	assert.Contains(t, err.Error(), "deleted")
	assert.NoFileExists(t, c.Path(r))
	require.Len(t, srv.Requests(), 1)
	assert.Equal(t, p, srv.Requests()[0].Path)
}

func TestPullHTTPErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		token   string
		wantErr error
		want    string
	}{
		{"404", 404, "", ErrNotFound, "check the owner, repository, file path and revision"},
		{"401", 401, "", ErrUnauthorized, "set HF_TOKEN"},
		{"403 with token", 403, "hf_x", ErrUnauthorized, "although HF_TOKEN is set"},
		{"500", 500, "", nil, "HTTP 500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv := setup(t, &hubtest.File{Status: tt.status}, Options{Token: tt.token})
			_, err := c.Pull(context.Background(), testRef)
			require.Error(t, err)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
			}
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), testRef)
			assert.Empty(t, leftovers(t, c))
			assert.Len(t, srv.Requests(), 1, "errors are not retried")
		})
	}
}

func TestPullMissingFile(t *testing.T) {
	c, _ := setup(t, &hubtest.File{Data: modelBytes(t)}, Options{})
	_, err := c.Pull(context.Background(), "hf://tiny/stories/nope.gguf@v2")
	require.ErrorIs(t, err, ErrNotFound)
	assert.Contains(t, err.Error(), "/tiny/stories/resolve/v2/nope.gguf")
}

func TestPullSendsToken(t *testing.T) {
	t.Setenv(EnvToken, "hf_secret")
	t.Setenv(EnvModels, t.TempDir())
	opt, err := EnvOptions()
	require.NoError(t, err)
	assert.Equal(t, "hf_secret", opt.Token)
	c, srv := setup(t, &hubtest.File{Data: modelBytes(t)}, opt)
	_, err = c.Pull(context.Background(), testRef)
	require.NoError(t, err)
	assert.Equal(t, "Bearer hf_secret", srv.Requests()[0].Authorization)
}

func TestPullNoNetwork(t *testing.T) {
	srv := hubtest.New(t)
	srv.Close() // nothing listens on its port any more
	c, err := New(Options{Dir: t.TempDir(), Endpoint: srv.URL, Logger: testLogger(t)})
	require.NoError(t, err)
	_, err = c.Pull(context.Background(), testRef)
	require.ErrorIs(t, err, ErrNetwork)
	assert.Contains(t, err.Error(), "cannot reach "+srv.URL)
	assert.NotContains(t, err.Error(), "partial")
}

// Two pulls of one file at once: one downloads, the other waits on the lock
// and finds the finished file.
func TestPullConcurrent(t *testing.T) {
	data := modelBytes(t)
	hold := make(chan struct{})
	c, srv := setup(t, &hubtest.File{Data: data, Hold: hold}, Options{})
	c2, err := New(Options{Dir: c.Dir(), Endpoint: srv.URL, Logger: testLogger(t)}) // a second client, as another process would be
	require.NoError(t, err)
	var wg sync.WaitGroup
	paths, errs := make([]string, 2), make([]error, 2)
	for i, cl := range []*Client{c, c2} {
		wg.Go(func() { paths[i], errs[i] = cl.Pull(context.Background(), testRef) })
	}
	time.Sleep(300 * time.Millisecond) // both are now inside Pull: one in the request, one on the lock
	close(hold)
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	assert.Equal(t, paths[0], paths[1])
	assert.Len(t, srv.Requests(), 1, "one download")
	assertFile(t, paths[0], data)
}

// Cancelling the context stops the download and keeps a resumable partial
// file; the next Pull asks for the rest.
func TestPullCancel(t *testing.T) {
	data := modelBytes(t)
	const sent = 65536
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, srv := setup(t, &hubtest.File{Data: data, ETag: `"v1"`, StallAfter: sent}, Options{
		Progress: func(done, total int64) {
			if done >= sent {
				cancel()
			}
		}})
	_, err := c.Pull(ctx, testRef)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "download stopped")
	assert.Contains(t, err.Error(), "is kept")
	assertPartial(t, c, sent)

	pullFile(t, c, data)
	assertResumed(t, srv, sent)
}

// A full disk gives ErrDiskFull and says what was kept. The partial file is
// a link to /dev/full, whose writes fail with ENOSPC.
func TestPullDiskFull(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	c, _ := setup(t, &hubtest.File{Data: modelBytes(t)}, Options{})
	dest := c.Path(mustRef(t, testRef))
	require.NoError(t, os.MkdirAll(filepath.Dir(dest), 0o755))
	require.NoError(t, os.Symlink("/dev/full", dest+partialSuffix))
	_, err := c.Pull(context.Background(), testRef)
	require.ErrorIs(t, err, ErrDiskFull)
	assert.Contains(t, err.Error(), "no space left on device")
	assert.Contains(t, err.Error(), "no partial download was kept")
	assert.NoFileExists(t, dest)
}

func TestNewErrors(t *testing.T) {
	for _, opt := range []Options{{}, {Dir: "x", Endpoint: "ftp://host"}, {Dir: "x", Endpoint: "http://"}} {
		_, err := New(opt)
		assert.Error(t, err, "%+v", opt)
	}
}

func TestEnvOptions(t *testing.T) {
	t.Setenv(EnvModels, "")
	t.Setenv(EnvEndpoint, "http://127.0.0.1:9")
	t.Setenv("XDG_CACHE_HOME", "/tmp/xdg")
	t.Setenv(EnvToken, "")
	opt, err := EnvOptions()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join("/tmp/xdg", "vkllm", "models"), opt.Dir)
	assert.Equal(t, "http://127.0.0.1:9", opt.Endpoint)
	assert.Empty(t, opt.Token)
	assert.False(t, errors.Is(err, ErrNetwork))
}

// A connection that goes silent is dropped after StallTimeout and resumed.
func TestPullResumesAfterStall(t *testing.T) {
	data := modelBytes(t)
	const sent = 65536
	c, srv := setup(t, &hubtest.File{Data: data, ETag: `"v1"`, StallAfter: sent}, Options{StallTimeout: time.Second})
	pullFile(t, c, data)
	assertResumed(t, srv, sent)
}

func TestPullLocalPath(t *testing.T) {
	c, _ := setup(t, &hubtest.File{}, Options{})
	_, err := c.Pull(context.Background(), "models/x.gguf")
	assert.ErrorContains(t, err, "neither a hf:// reference nor a catalogue name")
	path, err := c.Resolve(context.Background(), "models/x.gguf")
	require.NoError(t, err)
	assert.Equal(t, "models/x.gguf", path, "Resolve passes local paths through")
}

// Without a progress callback, progress goes to the log, at most every
// LogEvery.
func TestPullLogsProgress(t *testing.T) {
	var logBuf bytes.Buffer
	var mu sync.Mutex
	c, _ := setup(t, &hubtest.File{Data: modelBytes(t), StallAfter: 100_000},
		Options{LogEvery: time.Nanosecond, StallTimeout: time.Second})
	c.log = slog.New(slog.NewTextHandler(lockedWriter{&mu, &logBuf}, nil))
	_, err := c.Pull(context.Background(), testRef)
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	s := logBuf.String()
	assert.Contains(t, s, `msg="download progress" ref=`+testRef)
	assert.Contains(t, s, "total=\"1.1 MiB\" percent=")
	assert.Contains(t, s, "msg=\"download interrupted, resuming\"")
	assert.Contains(t, s, "msg=downloaded")
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// A partial file that cannot continue the server's file starts over: the
// server's file shrank below it (416), or it came from another URL.
func TestPullStartsOver(t *testing.T) {
	data := modelBytes(t)
	t.Run("range not satisfiable", func(t *testing.T) {
		f := &hubtest.File{Data: data, CutAfter: 2000}
		c, srv := setup(t, f, Options{Retries: -1})
		_, err := c.Pull(context.Background(), testRef)
		require.ErrorIs(t, err, ErrNetwork)
		f.Data = data[:1000]
		pullFile(t, c, data[:1000])
		reqs := srv.Requests()
		require.Len(t, reqs, 3)
		assert.Equal(t, "bytes=2000-", reqs[1].Range)
		assert.Empty(t, reqs[2].Range)
	})
	t.Run("other URL", func(t *testing.T) {
		c, _ := setup(t, &hubtest.File{Data: data, CutAfter: 2000}, Options{Retries: -1})
		_, err := c.Pull(context.Background(), testRef)
		require.ErrorIs(t, err, ErrNetwork)
		srv2 := hubtest.New(t)
		srv2.Add("tiny", "stories", "main", "stories260K-f32.gguf", &hubtest.File{Data: data})
		c2, err := New(Options{Dir: c.Dir(), Endpoint: srv2.URL, Logger: testLogger(t)})
		require.NoError(t, err)
		pullFile(t, c2, data)
		require.Len(t, srv2.Requests(), 1)
		assert.Empty(t, srv2.Requests()[0].Range, "bytes from another endpoint are not continued")
	})
}
