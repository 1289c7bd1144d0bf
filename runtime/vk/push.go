package vk

import "unsafe"

// PushBytes views *v as push-constant bytes without copying or allocating.
// T must hold no pointers (a struct of fixed-size numbers mirroring the
// shader's push block); the slice aliases v.
func PushBytes[T any](v *T) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(v)), unsafe.Sizeof(*v))
}
