package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// DefaultEndpoint is the Hugging Face base URL used unless VKLLM_HF_ENDPOINT
// or Options.Endpoint says otherwise.
const DefaultEndpoint = "https://huggingface.co"

// Environment variables read by EnvOptions.
const (
	EnvModels   = "VKLLM_MODELS"
	EnvEndpoint = "VKLLM_HF_ENDPOINT"
	EnvToken    = "HF_TOKEN"
)

// Options configure a Client. Zero fields take the defaults noted.
type Options struct {
	Dir        string       // cache folder (required; EnvOptions fills it)
	Endpoint   string       // base URL; DefaultEndpoint
	Token      string       // sent as "Authorization: Bearer" when set
	HTTPClient *http.Client // proxies from the environment, no overall timeout

	// Progress, when set, is called with the bytes done (including a resumed
	// prefix) and the total (-1 when unknown) as data arrives. When nil,
	// progress goes to Logger at most every LogEvery.
	Progress func(done, total int64)
	Logger   *slog.Logger  // slog.Default()
	LogEvery time.Duration // 5s

	// StallTimeout drops a connection on which no byte arrived for this
	// long, to resume on a new one. 1 minute.
	StallTimeout time.Duration

	// Retries bounds how many times one Pull resumes after the connection
	// drops mid-body; an attempt that received nothing ends the pull.
	// 0 means 5; negative means none.
	Retries int
}

// EnvOptions returns Options from the environment: VKLLM_MODELS, else
// os.UserCacheDir()/vkllm/models; VKLLM_HF_ENDPOINT; HF_TOKEN.
func EnvOptions() (Options, error) {
	o := Options{Dir: os.Getenv(EnvModels), Endpoint: os.Getenv(EnvEndpoint), Token: os.Getenv(EnvToken)}
	if o.Dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return o, fmt.Errorf("hub: no model cache folder: set %s (%w)", EnvModels, err)
		}
		o.Dir = filepath.Join(base, "vkllm", "models")
	}
	return o, nil
}

// Client pulls models into a cache folder and manages it. Its methods may be
// called from several goroutines and processes at once: a per-file lock
// serialises downloads of the same file.
type Client struct {
	opt Options
	log *slog.Logger
}

// New checks the options and returns a Client.
func New(opt Options) (*Client, error) {
	if opt.Dir == "" {
		return nil, fmt.Errorf("hub: no cache folder given")
	}
	if opt.Endpoint == "" {
		opt.Endpoint = DefaultEndpoint
	}
	u, err := url.Parse(opt.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("hub: endpoint %q is not an http(s) URL (set %s)", opt.Endpoint, EnvEndpoint)
	}
	if opt.HTTPClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = http.ProxyFromEnvironment
		tr.ResponseHeaderTimeout = time.Minute
		opt.HTTPClient = &http.Client{Transport: tr}
	}
	if opt.StallTimeout <= 0 {
		opt.StallTimeout = time.Minute
	}
	if opt.LogEvery <= 0 {
		opt.LogEvery = 5 * time.Second
	}
	switch {
	case opt.Retries == 0:
		opt.Retries = 5
	case opt.Retries < 0:
		opt.Retries = 0
	}
	c := &Client{opt: opt, log: opt.Logger}
	if c.log == nil {
		c.log = slog.Default()
	}
	return c, nil
}

// Dir returns the cache folder.
func (c *Client) Dir() string { return c.opt.Dir }

// Path returns where r lives in the cache, whether or not it is there.
func (c *Client) Path(r Ref) string { return filepath.Join(c.opt.Dir, r.CachePath()) }

// Resolve turns a model reference into a local file path: a local path is
// returned as is; a hf:// reference or catalogue name is pulled into the
// cache first unless it is already there.
func (c *Client) Resolve(ctx context.Context, ref string) (string, error) {
	src, err := Locate(ref, exists)
	if err != nil || src.Local != "" {
		return src.Local, err
	}
	return c.pull(ctx, src)
}

// Pull downloads a hf:// reference or catalogue name into the cache, unless
// it is already there, and returns the file's path. A failed download leaves
// a partial file that the next Pull resumes, except when the content was
// wrong (checksum mismatch, not GGUF): then nothing is kept.
func (c *Client) Pull(ctx context.Context, ref string) (string, error) {
	src, err := Locate(ref, func(string) bool { return false })
	if err != nil {
		return "", err
	}
	if src.Local != "" {
		return "", fmt.Errorf("hub: %q is neither a %s reference nor a catalogue name (%s)", ref, Scheme, names())
	}
	return c.pull(ctx, src)
}

func (c *Client) pull(ctx context.Context, src Source) (string, error) {
	dest := c.Path(src.Ref)
	if exists(dest) {
		return dest, nil
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return "", fmt.Errorf("hub: %s: create cache folder: %w", src.Ref, diskErr(err))
	}
	if err := os.MkdirAll(filepath.Join(c.opt.Dir, locksDir), 0o755); err != nil {
		return "", fmt.Errorf("hub: %s: create lock folder: %w", src.Ref, diskErr(err))
	}
	unlock, err := lockFile(ctx, c.lockPath(src.Ref), func() {
		c.log.Info("waiting for another download of the same file", "ref", src.Ref.String())
	})
	if err != nil {
		return "", fmt.Errorf("hub: %s: lock: %w", src.Ref, err)
	}
	defer unlock()
	if exists(dest) { // another process or goroutine finished it while we waited
		return dest, nil
	}
	if err := c.download(ctx, src, dest); err != nil {
		return "", err
	}
	return dest, nil
}

// locksDir holds the lock files, apart from the models so that removing a
// model can remove its folders: a lock file must never be deleted, or a
// waiter holding the old one and a newcomer creating a new one could both
// get in.
const locksDir = ".locks"

// lockPath returns the lock file serialising downloads of r.
func (c *Client) lockPath(r Ref) string {
	sum := sha256.Sum256([]byte(filepath.ToSlash(r.CachePath())))
	return filepath.Join(c.opt.Dir, locksDir, hex.EncodeToString(sum[:16])+".lock")
}

// exists reports whether path is an existing regular file.
func exists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}
