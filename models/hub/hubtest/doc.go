// Package hubtest serves files under Hugging Face's URL layout from an
// httptest server on 127.0.0.1, with knobs for the failures a download must
// survive: a connection cut mid-body, a stalled body, ignored Range headers,
// error statuses, redirects with X-Linked-Etag. It records every request.
//
// Threading: a Server's methods may be called while it serves. A test may
// change a File between requests (to model a file replaced upstream), never
// while one is being served.
package hubtest
