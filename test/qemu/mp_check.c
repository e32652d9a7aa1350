/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest helper for the multi-process case (net-pmd-mp), no DPDK needed:
 *
 *   mp_check telemetry SOCKET CMD...
 *	Query DPDK's telemetry socket (SOCK_SEQPACKET, one JSON message per
 *	reply; the first one describes the server) and print each reply on a
 *	line of its own: the guest has no python3 for dpdk-telemetry.py.
 *
 *   mp_check pcapng FILE
 *	Summarise a pcapng capture: "packets N len MIN MAX caplen MIN MAX
 *	dst MAC-of-the-first-packet" (every Enhanced Packet Block counted).
 *
 * Exit status 0, or 1 with a message on stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* DPDK 22.11's telemetry answers at most 16 KiB per command. */
#define TEL_BUF (64 * 1024)

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_EPB 6u
#define PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4Du

static int
telemetry_reply(int fd, char *buf)
{
	ssize_t n = recv(fd, buf, TEL_BUF - 1, 0);

	if (n <= 0) {
		fprintf(stderr, "telemetry: %s\n", n < 0 ? strerror(errno) : "connection closed");
		return -1;
	}
	buf[n] = '\0';
	printf("%s\n", buf);
	return 0;
}

static int
telemetry(const char *path, int ncmd, char **cmds)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char *buf = malloc(TEL_BUF);
	int fd, rc = 1;

	if (buf == NULL || strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "telemetry: bad socket path or no memory\n");
		free(buf);
		return 1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "telemetry: connect %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (telemetry_reply(fd, buf) < 0) /* the server's greeting */
		goto out;
	for (int i = 0; i < ncmd; i++) {
		if (send(fd, cmds[i], strlen(cmds[i]), 0) < 0) {
			fprintf(stderr, "telemetry: send: %s\n", strerror(errno));
			goto out;
		}
		if (telemetry_reply(fd, buf) < 0)
			goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

static uint32_t
rd32(const uint8_t *p, int swap)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return swap ? __builtin_bswap32(v) : v;
}

static int
pcapng(const char *path)
{
	uint32_t len_min = UINT32_MAX, len_max = 0, cap_min = UINT32_MAX, cap_max = 0;
	uint8_t dst[6] = { 0 };
	uint64_t packets = 0;
	uint8_t *data = NULL;
	long size, pos = 0;
	int swap = 0;
	FILE *f = fopen(path, "rb");

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 12 ||
	    fseek(f, 0, SEEK_SET) != 0 || (data = malloc((size_t)size)) == NULL ||
	    fread(data, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "pcapng: cannot read %s\n", path);
		goto fail;
	}
	fclose(f);
	f = NULL;
	if (rd32(data, 0) != PCAPNG_SHB) {
		fprintf(stderr, "pcapng: %s does not start with a section header\n", path);
		goto fail;
	}
	swap = rd32(data + 8, 0) != PCAPNG_BYTE_ORDER_MAGIC;
	while (pos + 12 <= size) {
		uint32_t type = rd32(data + pos, swap), blen = rd32(data + pos + 4, swap);

		if (blen < 12 || blen % 4 != 0 || pos + (long)blen > size) {
			fprintf(stderr, "pcapng: bad block length %" PRIu32 " at %ld\n", blen, pos);
			goto fail;
		}
		if (type == PCAPNG_EPB && blen >= 32) {
			uint32_t cap = rd32(data + pos + 20, swap),
				 orig = rd32(data + pos + 24, swap);

			if (cap > blen - 32) {
				fprintf(stderr,
					"pcapng: packet of %" PRIu32 " bytes in a %" PRIu32
					"-byte block\n",
					cap, blen);
				goto fail;
			}
			if (packets == 0 && cap >= 6)
				memcpy(dst, data + pos + 28, 6);
			packets++;
			len_min = orig < len_min ? orig : len_min;
			len_max = orig > len_max ? orig : len_max;
			cap_min = cap < cap_min ? cap : cap_min;
			cap_max = cap > cap_max ? cap : cap_max;
		}
		pos += blen;
	}
	free(data);
	if (packets == 0)
		len_min = cap_min = 0;
	printf("packets %" PRIu64 " len %" PRIu32 " %" PRIu32 " caplen %" PRIu32 " %" PRIu32
	       " dst %02x:%02x:%02x:%02x:%02x:%02x\n",
	       packets, len_min, len_max, cap_min, cap_max, dst[0], dst[1], dst[2], dst[3], dst[4],
	       dst[5]);
	return 0;
fail:
	if (f != NULL)
		fclose(f);
	free(data);
	return 1;
}

int
main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "telemetry") == 0)
		return telemetry(argv[2], argc - 3, argv + 3);
	if (argc == 3 && strcmp(argv[1], "pcapng") == 0)
		return pcapng(argv[2]);
	fprintf(stderr, "usage: %s telemetry SOCKET CMD... | pcapng FILE\n", argv[0]);
	return 1;
}
