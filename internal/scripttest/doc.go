// Package scripttest runs golden test scripts: text files in which each line
// is a command followed by its expected output as "> " lines. Packages whose
// tests read like scripts (cache, runtime/sched) supply the commands; this
// package owns the file format, the golden comparison and the -update rewrite.
//
// Threading model: Run and Replay are called from one test goroutine; a
// Script is used by one script run only. Invariants: lines starting with ">"
// are outputs and are regenerated, blank lines and "#" comments are copied as
// they are, and Script.Check runs after every command.
package scripttest
