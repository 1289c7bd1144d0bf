package synth

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"

	"github.com/vkllm/vkllm/models/gguf"
)

// alignment is GGUF's default tensor-data alignment; we never set
// general.alignment, so gguf.Write lays the data out with it too.
const alignment = 32

// header returns the bytes gguf.Write puts before the tensor data. gguf.Write
// takes every tensor's bytes at once; to stream instead, we let it encode
// the file with all-zero data into writers that keep no data (one counting,
// one keeping the prefix) and cut at the data section, whose size the GGUF
// layout fixes. Nothing reads the shared zero buffer, so when it comes fresh
// from the OS (as large allocations usually do) it costs no resident memory.
func header(kv []gguf.KV, specs []tensorSpec) ([]byte, error) {
	sizes := make([]int, len(specs))
	var data int64
	for i, s := range specs {
		n, err := s.bytes()
		if err != nil {
			return nil, err
		}
		sizes[i] = n
		data += int64(n + padding(n))
	}
	zeros := make([]byte, slices.Max(sizes))
	tensors := make([]gguf.WriteTensor, len(specs))
	for i, s := range specs {
		tensors[i] = gguf.WriteTensor{Name: s.name, Dims: s.dims, Type: s.typ, Data: zeros[:sizes[i]]}
	}
	var count prefixWriter
	if err := gguf.Write(&count, kv, tensors); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	prefix := prefixWriter{keep: count.n - data}
	if err := gguf.Write(&prefix, kv, tensors); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	return prefix.buf, nil
}

func padding(n int) int { return (alignment - n%alignment) % alignment }

// prefixWriter counts what it is given and keeps its first keep bytes.
type prefixWriter struct {
	n, keep int64
	buf     []byte
}

func (w *prefixWriter) Write(p []byte) (int, error) {
	if room := w.keep - w.n; room > 0 {
		w.buf = append(w.buf, p[:min(int64(len(p)), room)]...)
	}
	w.n += int64(len(p))
	return len(p), nil
}

// encoded is one tensor's bytes, or why it could not be made.
type encoded struct {
	data []byte
	err  error
}

// writeData generates the tensors on up to GOMAXPROCS goroutines and writes
// them in order, each padded to the alignment. A tensor starts only when
// fewer than GOMAXPROCS tensors are started but not yet written, which bounds
// memory to that many tensors whatever the speed of w; each running
// goroutine borrows a float32 scratch buffer from a pool of the same size.
func writeData(w io.Writer, seed uint64, specs []tensorSpec) error {
	workers := runtime.GOMAXPROCS(0)
	pending := make(chan struct{}, workers)
	scratch := make(chan []float32, workers)
	for range workers {
		scratch <- nil
	}
	results := make([]chan encoded, len(specs))
	for i := range results {
		results[i] = make(chan encoded, 1) // never blocks its sender
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(done)
	wg.Go(func() {
		for i, s := range specs {
			select {
			case pending <- struct{}{}:
			case <-done:
				return
			}
			wg.Go(func() {
				data, buf, err := s.encode(seed, <-scratch)
				scratch <- buf
				results[i] <- encoded{data, err}
			})
		}
	})
	pad := make([]byte, alignment)
	for i, s := range specs {
		r := <-results[i]
		if r.err != nil {
			return r.err
		}
		if _, err := w.Write(r.data); err != nil {
			return fmt.Errorf("synth: write %s: %w", s.name, err)
		}
		if _, err := w.Write(pad[:padding(len(r.data))]); err != nil {
			return fmt.Errorf("synth: write %s: %w", s.name, err)
		}
		<-pending
	}
	return nil
}
