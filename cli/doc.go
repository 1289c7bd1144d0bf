// Package cli holds the vkllm command-line commands. Each command turns its
// flags into an options struct and calls the library; nothing here exits the
// process or prints outside the command's own writers.
//
// Threading model: a command's Action runs on the goroutine that called
// Main; serve runs its HTTP server on a goroutine of its own and shuts it
// down before it returns. The package keeps no mutable state, so Main may run
// several times in one process (the tests do).
//
// Invariants: one command a file (cli/<name>.go, a function returning
// *cli.Command listed in commands()); interrupts cancel the command's
// context instead of exiting the process.
package cli
