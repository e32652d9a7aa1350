/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters one lcore writes and the main lcore reads, and sequence counts
 * over them: a set of counters that one lcore updates together (a
 * burst's packets with its bytes, an I/O with its bytes and latency) and the
 * main lcore reads while it runs, so that no snapshot holds one without the
 * other. The writer makes the count odd around its updates; the reader
 * retries while it is odd or moved under it. No lock, no atomic
 * read-modify-write: on x86-64 the fences are compiler barriers only.
 */
#ifndef PERF_SEQ_H
#define PERF_SEQ_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_pause.h>

/* Relaxed access: one lcore writes a counter, the main lcore reads it; on
 * x86-64 both are plain 64-bit moves, no lock prefix. */
static inline void
perf_cnt_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, *c + v, __ATOMIC_RELAXED);
}

static inline uint64_t
perf_cnt_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* Writer: before the first counter store of an update. */
static inline void
perf_seq_write_begin(uint64_t *seq)
{
	__atomic_store_n(seq, *seq + 1, __ATOMIC_RELAXED);
	/* the odd count is visible before any counter store that follows */
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

/* Writer: after the last counter store of an update. */
static inline void
perf_seq_write_end(uint64_t *seq)
{
	/* the counter stores before are visible before the even count */
	__atomic_store_n(seq, *seq + 1, __ATOMIC_RELEASE);
}

/* Reader: the count to pass to perf_seq_read_retry() after reading the set. */
static inline uint64_t
perf_seq_read_begin(const uint64_t *seq)
{
	return __atomic_load_n(seq, __ATOMIC_ACQUIRE);
}

/*
 * Reader, after reading the set with relaxed loads: true when it must read
 * it again (a writer was in the middle of an update). Pauses before saying
 * so, and gives up the CPU now and then: the writer may share it (e.g.
 * --lcores 2@0) and need it to finish.
 */
static inline bool
perf_seq_read_retry(const uint64_t *seq, uint64_t begun, unsigned int *tries)
{
	/* the counter loads before complete before the count is read again */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if ((begun & 1) == 0 && __atomic_load_n(seq, __ATOMIC_RELAXED) == begun)
		return false;
	if (++*tries % 64 == 0)
		sched_yield();
	else
		rte_pause();
	return true;
}

#endif /* PERF_SEQ_H */
