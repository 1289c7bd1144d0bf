package hubtest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// File is what the server answers for one resolve path.
type File struct {
	Data        []byte
	ETag        string        // sent as ETag (and honoured in If-Range) when set
	Status      int           // non-zero: answer this status with an HTML page instead
	CutAfter    int64         // first GET: promise the whole body, send this many bytes, drop the connection
	StallAfter  int64         // first GET: send this many bytes, then wait until the client goes away
	IgnoreRange bool          // answer every GET with the whole file (200)
	Hold        chan struct{} // wait for this to close before answering
	Redirect    bool          // answer 302 to a CDN path, like Hugging Face for LFS files
	LinkedSHA   string        // X-Linked-Etag on the answer (on the redirect when Redirect)
}

// Request is one recorded request.
type Request struct {
	Path, Range, IfRange, Authorization string
}

// Server is a fake Hugging Face endpoint.
type Server struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string]*File
	reqs  []Request
	hits  map[string]int
}

// New starts a server, closed when the test ends.
func New(t testing.TB) *Server {
	s := &Server{files: map[string]*File{}, hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Add serves f at /{owner}/{repo}/resolve/{rev}/{path}.
func (s *Server) Add(owner, repo, rev, path string, f *File) string {
	p := fmt.Sprintf("/%s/%s/resolve/%s/%s", owner, repo, rev, path)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[p] = f
	return p
}

// Requests returns the requests so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

func (s *Server) record(r *http.Request) (*File, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, Request{Path: r.URL.Path, Range: r.Header.Get("Range"),
		IfRange: r.Header.Get("If-Range"), Authorization: r.Header.Get("Authorization")})
	path := r.URL.Path
	if cdn, ok := strings.CutPrefix(path, "/cdn"); ok {
		path = cdn
	}
	s.hits[r.URL.Path]++
	return s.files[path], s.hits[r.URL.Path]
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	f, hit := s.record(r)
	if f == nil {
		page(w, http.StatusNotFound, "Entry not found")
		return
	}
	if f.Hold != nil {
		select {
		case <-f.Hold:
		case <-r.Context().Done():
			return
		}
	}
	if f.Status != 0 {
		page(w, f.Status, http.StatusText(f.Status))
		return
	}
	if f.Redirect && !strings.HasPrefix(r.URL.Path, "/cdn/") {
		setLinked(w, f)
		http.Redirect(w, r, "/cdn"+r.URL.Path, http.StatusFound)
		return
	}
	if !f.Redirect {
		setLinked(w, f)
	}
	switch {
	case f.CutAfter > 0 && hit == 1:
		cut(w, f)
	case f.StallAfter > 0 && hit == 1:
		stall(w, r, f)
	default:
		if f.IgnoreRange {
			r.Header.Del("Range")
		}
		if f.ETag != "" {
			w.Header().Set("ETag", f.ETag)
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.Data))
	}
}

func setLinked(w http.ResponseWriter, f *File) {
	if f.LinkedSHA != "" {
		w.Header().Set("X-Linked-Etag", `"`+f.LinkedSHA+`"`)
	}
}

// page answers an HTML error page, like the real site.
func page(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!DOCTYPE html><html><body><h1>%d</h1><p>%s</p></body></html>", status, msg)
}

// cut writes a 200 promising the whole file, then closes the connection
// after CutAfter bytes.
func cut(w http.ResponseWriter, f *File) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err) // httptest's HTTP/1.1 server always supports hijacking
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n", len(f.Data))
	if f.ETag != "" {
		fmt.Fprintf(buf, "ETag: %s\r\n", f.ETag)
	}
	fmt.Fprintf(buf, "\r\n")
	buf.Write(f.Data[:min(f.CutAfter, int64(len(f.Data)))])
	buf.Flush()
}

// stall sends StallAfter bytes of a whole-file answer, then waits for the
// client to give up.
func stall(w http.ResponseWriter, r *http.Request, f *File) {
	if f.ETag != "" {
		w.Header().Set("ETag", f.ETag)
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(f.Data)))
	w.WriteHeader(http.StatusOK)
	w.Write(f.Data[:min(f.StallAfter, int64(len(f.Data)))])
	http.NewResponseController(w).Flush()
	<-r.Context().Done()
}
