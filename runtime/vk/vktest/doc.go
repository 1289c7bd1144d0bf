// Package vktest opens Vulkan devices for tests: the device chosen by
// VKLLM_DEVICE (default order), with the Khronos validation layer on.
//
// A test without a Vulkan device is skipped, or failed under CI=true. At
// cleanup the device is checked for leaked buffers and objects, closed, and
// the test fails if the validation layer reported an error (or a warning of
// the validation type) while it ran.
//
// Threading: the instance is shared by every test of the binary (creating
// it with validation is slow). Validation messages are counted on that
// instance, so parallel GPU tests may see each other's errors; a failure
// still points at a real bug.
package vktest
