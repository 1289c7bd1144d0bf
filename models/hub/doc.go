// Package hub gets GGUF models: it parses model references, keeps a cache
// of downloaded files, and downloads from Hugging Face (or any server with
// its URL layout) with resume and verification.
//
// A model reference is a local path, a catalogue name (Catalogue: stories260K
// and a few small chat models), or hf://OWNER/REPO/PATH/FILE.gguf[@REVISION],
// fetched from {endpoint}/{owner}/{repo}/resolve/{revision}/{path}. Catalogue
// entries are hf:// references too, so they follow the configured endpoint.
//
// The cache (Options.Dir; EnvOptions: $VKLLM_MODELS, else
// os.UserCacheDir()/vkllm/models) holds hf/OWNER/REPO/REVISION/PATH.
//
// Invariants:
//   - A file under its final name is complete: bytes arrive in PATH.partial
//     and are renamed into place only after the GGUF magic and, when known
//     (catalogue, or the X-Linked-Etag Hugging Face sends for LFS files), the
//     sha256 have been checked. Content that fails those checks is deleted.
//   - PATH.partial.json records the URL and validator (strong ETag or
//     Last-Modified) of the partial bytes; a resume sends Range and If-Range
//     and starts over when the server answers 200 instead of 206.
//   - Any other failure (network, disk full, cancellation) keeps the partial
//     bytes for the next Pull to resume, except an empty partial file, which
//     is removed. The error says which.
//   - Downloads of one file are serialised by an exclusive lock (flock on
//     unix) on a file under .locks/, held from before the existence check
//     until after the rename; a waiter then finds the finished file.
//     Lock files are never deleted (deleting one would let two holders in).
//
// Threading: a Client is safe for concurrent use by several goroutines and
// processes sharing a cache folder. Options.Progress is called from the
// goroutine running Pull.
package hub
