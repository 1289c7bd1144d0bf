package vk

/*
#cgo LDFLAGS: -ldl
#include "vkbind.h"
*/
import "C"

import (
	"unsafe"
)

// cArena owns C allocations for one Vulkan call's create-info structs, so
// no Go pointer is ever stored in memory that C reads. free releases all.
type cArena struct {
	ptrs []unsafe.Pointer
}

// alloc returns n zeroed bytes of C memory, owned by the arena.
func (a *cArena) alloc(n uintptr) unsafe.Pointer {
	p := C.calloc(1, C.size_t(n))
	if p == nil {
		panic("vk: out of C memory")
	}
	a.ptrs = append(a.ptrs, p)
	return p
}

// bytes copies b into C memory.
func (a *cArena) bytes(b []byte) unsafe.Pointer {
	p := a.alloc(uintptr(len(b)) + 1)
	copy(unsafe.Slice((*byte)(p), len(b)), b)
	return p
}

// str copies s into a NUL-terminated C string.
func (a *cArena) str(s string) *C.char {
	return (*C.char)(a.bytes([]byte(s)))
}

// strs builds a C array of C strings.
func (a *cArena) strs(ss []string) **C.char {
	if len(ss) == 0 {
		return nil
	}
	arr := unsafe.Slice((**C.char)(a.alloc(uintptr(len(ss))*unsafe.Sizeof((*C.char)(nil)))), len(ss))
	for i, s := range ss {
		arr[i] = a.str(s)
	}
	return &arr[0]
}

func (a *cArena) free() {
	for _, p := range a.ptrs {
		C.free(p)
	}
	a.ptrs = a.ptrs[:0]
}

// newC allocates one zeroed C value of type T in the arena.
func newC[T any](a *cArena) *T {
	var zero T
	return (*T)(a.alloc(unsafe.Sizeof(zero)))
}

// cString converts a fixed-size C char array to a Go string.
func cString(b []C.char) string {
	n := 0
	for n < len(b) && b[n] != 0 {
		n++
	}
	s := make([]byte, n)
	for i := range n {
		s[i] = byte(b[i])
	}
	return string(s)
}

func vkBool(b bool) C.VkBool32 {
	if b {
		return C.VK_TRUE
	}
	return C.VK_FALSE
}
