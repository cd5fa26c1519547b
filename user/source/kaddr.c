// SPDX-License-Identifier: GPL-2.0
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "kaddr.h"

/* getrandom(2), or /dev/urandom where a filter refuses the system call. */
static int random_bytes(uint8_t *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;
	int fd;

	while (got < n) {
		r = getrandom(buf + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got == n)
		return 0;
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (got = 0; got < n;) {
		r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close(fd);
			return r < 0 ? -errno : -EIO;
		}
		got += (size_t)r;
	}
	close(fd);
	return 0;
}

int kaddr_ids_init(struct kaddr_ids *k)
{
	return random_bytes(k->key, sizeof(k->key));
}

uint64_t kaddr_id(const struct kaddr_ids *k, uint64_t addr)
{
	uint64_t le = htole64(addr), id;

	if (!addr)
		return 0;
	id = siphash24(k->key, &le, sizeof(le));
	return id ? id : 1; /* 0 means "none" */
}

void kaddr_ids_apply(const struct kaddr_ids *k, struct smbw_event *e)
{
	e->sock = kaddr_id(k, e->sock);
	e->server = kaddr_id(k, e->server);
}
