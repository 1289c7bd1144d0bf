// Package gguf reads and writes GGUF files (versions 2 and 3), the model
// container of llama.cpp: a header of typed metadata key/values and tensor
// infos, then aligned tensor data.
//
// Open memory-maps a file and TensorData returns zero-copy slices of the
// mapping; Read parses from any io.ReaderAt and TensorData reads copies.
// Write and WriteFile produce version 3 files with the alignment given by a
// general.alignment key (default 32).
//
// The reader treats every file as untrusted. Each count and length is
// checked against the bytes left in the file (and a fixed limit) before it
// sizes an allocation, so a corrupt header costs at most a small multiple of
// the file's size in memory. Malformed input yields a *FormatError with the
// byte offset of the offending field, never a panic. After a successful
// Read these invariants hold: keys and tensor names are unique, every
// tensor has at most 4 non-zero dimensions, a known type, a row length that
// is a multiple of its block size, an aligned offset, and data that lies
// within the file without overlapping another tensor.
//
// Threading: a File is immutable after Read or Open, so its methods may be
// called concurrently, except Close, which must not race with TensorData.
// Slices returned by TensorData, Strings, Float32s and Int32s are shared:
// callers must not modify them, and mapped slices die with Close.
package gguf
