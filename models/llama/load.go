package llama

import (
	"github.com/vkllm/vkllm/models/gguf"
)

// Load binds a model from an open GGUF file. Tensor data aliases the
// file's memory map, so the file must stay open while the model is used.
func Load(f *gguf.File) (*Model, error) {
	return New(f, FileSource(f), gguf.ErrNoKey)
}

// FileSource looks tensors up in a GGUF file.
func FileSource(f *gguf.File) TensorSource {
	return func(name string) (RawTensor, bool, error) {
		info, ok := f.Tensor(name)
		if !ok {
			return RawTensor{}, false, nil
		}
		if !info.Type.Supported() {
			// Report the type before touching data whose size we may not know.
			return RawTensor{Type: info.Type, Dims: info.Dims}, true, nil
		}
		data, err := f.TensorData(name)
		if err != nil {
			return RawTensor{}, true, err
		}
		return RawTensor{Type: info.Type, Dims: info.Dims, Data: data}, true, nil
	}
}
