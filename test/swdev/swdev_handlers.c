/* SPDX-License-Identifier: BSD-3-Clause */
/* swdev: chain copy helpers and the stock per-queue handlers. */
#include <errno.h>
#include <string.h>

#include "swdev.h"

/*
 * Copy between a linear buffer and the readable (or writable) segments of
 * a chain, starting @p off bytes into that part.
 */
static size_t
chain_copy(const struct swdev_chain *c, bool writable, size_t off, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t done = 0, n;
	uint16_t i;

	for (i = 0; i < c->nseg && done < len; i++) {
		const struct swdev_seg *s = &c->seg[i];

		if (s->writable != writable)
			continue;
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = RTE_MIN((size_t)s->len - off, len - done);
		if (writable)
			memcpy((uint8_t *)s->va + off, p + done, n);
		else
			memcpy(p + done, (const uint8_t *)s->va + off, n);
		done += n;
		off = 0;
	}
	return done;
}

size_t
swdev_chain_read(const struct swdev_chain *c, size_t off, void *buf, size_t len)
{
	return chain_copy(c, false, off, buf, len);
}

size_t
swdev_chain_write(const struct swdev_chain *c, size_t off, const void *buf, size_t len)
{
	return chain_copy(c, true, off, (void *)(uintptr_t)buf, len);
}

/* Copy the readable part of @p from into the writable part of @p to. */
static uint32_t
chain_to_chain(const struct swdev_chain *from, const struct swdev_chain *to)
{
	uint8_t tmp[2048];
	uint32_t total = RTE_MIN(from->out_len, to->in_len);
	uint32_t done = 0, n;

	while (done < total) {
		n = RTE_MIN(total - done, (uint32_t)sizeof(tmp));
		swdev_chain_read(from, done, tmp, n);
		swdev_chain_write(to, done, tmp, n);
		done += n;
	}
	return total;
}

int64_t
swdev_handler_echo(struct swdev *sw, uint16_t qidx, const struct swdev_chain *c, void *arg)
{
	RTE_SET_USED(sw);
	RTE_SET_USED(qidx);
	RTE_SET_USED(arg);
	return chain_to_chain(c, c);
}

int64_t
swdev_handler_sink(struct swdev *sw, uint16_t qidx, const struct swdev_chain *c, void *arg)
{
	RTE_SET_USED(sw);
	RTE_SET_USED(qidx);
	RTE_SET_USED(c);
	RTE_SET_USED(arg);
	return 0;
}

int64_t
swdev_handler_fill(struct swdev *sw, uint16_t qidx, const struct swdev_chain *c, void *arg)
{
	uint16_t i;

	RTE_SET_USED(sw);
	RTE_SET_USED(qidx);
	for (i = 0; i < c->nseg; i++)
		if (c->seg[i].writable)
			memset(c->seg[i].va, (uint8_t)(uintptr_t)arg, c->seg[i].len);
	return c->in_len;
}

int64_t
swdev_handler_loopback(struct swdev *sw, uint16_t qidx, const struct swdev_chain *c, void *arg)
{
	struct swdev_loopback *lb = arg;
	struct swdev_chain rx;
	uint32_t n;
	int rc;

	RTE_SET_USED(qidx);
	rc = swdev_pop(sw, lb->peer, &rx);
	if (rc == -EAGAIN)
		return SWDEV_DEFER; /* No rx buffer yet: hold the packet. */
	if (rc != 0)
		return 0; /* Peer down or broken: drop, like a NIC. */
	n = chain_to_chain(c, &rx);
	if (n < c->out_len)
		lb->truncated++;
	lb->copied++;
	swdev_push(sw, lb->peer, rx.head, n);
	swdev_publish(sw, lb->peer);
	return 0;
}
