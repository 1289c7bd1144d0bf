package vk

/*
#include <stdint.h>
*/
import "C"

import "runtime/cgo"

// vkllmDebugMessage is called by the C debug-utils callback with the
// integer cgo.Handle of the Instance (never a Go pointer in C memory).
//
//export vkllmDebugMessage
func vkllmDebugMessage(handle C.uintptr_t, severity, types C.int, id, msg *C.char) C.uint32_t {
	in, ok := cgo.Handle(handle).Value().(*Instance)
	if ok {
		in.message(int(severity), int(types), C.GoString(id), C.GoString(msg))
	}
	return 0
}
