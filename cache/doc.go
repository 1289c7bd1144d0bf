// Package cache owns the paged KV cache's bookkeeping and its host/device
// layout contract. It imports nothing GPU-related.
//
//   - BlockPool hands out int32 block ids with reference counts, modelled on
//     vLLM v1's block_pool.py. Block 0 is the null block and is never handed
//     out. Free blocks form an intrusive doubly linked list (prev/next ids in
//     the block records, O(1) removal from anywhere): Allocate takes from the
//     head, Free appends to the tail, so the head is least recently used.
//     A prefix cache (vLLM's) maps hash-chained full blocks to block ids:
//     BlockTable.CacheFull registers computed blocks, AppendCached takes
//     them back by reference (Touch), and Allocate evicts cached free
//     blocks from the LRU head.
//   - BlockTable is one sequence's append-only list of block ids; token t
//     lives in block table[t/B] at slot t%B.
//   - Layout fixes the bytes of one K or V block: [kv_heads][B][head_dim]
//     values, then for int8 [kv_heads][B] fp32 scales. Store and Load are the
//     CPU reference that the GPU KV-store kernel is tested against.
//   - HostPool holds K/V blocks in host memory for the CPU forward pass.
//
// Threading: nothing here is safe for concurrent use. The scheduler owns the
// pool and the tables and calls them from one goroutine; a HostPool may be
// read and written by several goroutines only on disjoint blocks.
//
// Pool invariants (CheckInvariants verifies them all):
//   - every block's reference count is >= 0;
//   - a block is on the free list exactly when it is marked free, and then
//     its count is 0; a block with count 0 that is not the null block is
//     free (nothing leaks);
//   - the free list is a consistent doubly linked cycle whose length is
//     NumFree;
//   - the null block is never free and never referenced;
//   - the prefix cache maps h to id exactly when block id carries hash h.
//
// Running out of blocks is a normal result (Allocate's ok == false); a broken
// invariant (freeing the null block, a reference-count underflow, an id out
// of range) panics.
package cache
