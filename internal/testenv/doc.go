// Package testenv finds the shared test data (models, reference outputs,
// tokenizer vectors) for tests. Outside CI a missing file skips the test; with
// CI=true it fails it, so CI can never pass by skipping.
//
// Threading model: every function only reads the environment and the file
// system, and is safe for concurrent use by parallel tests.
//
// Invariants: the data is located from this package's source file
// (../shared beside the module root) or $VKLLM_TEST_MODELS, never copied into
// the repository.
package testenv
