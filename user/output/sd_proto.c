// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sd_proto.h"

void sdp_entry_init(struct sdp_entry *e)
{
	sb_init(&e->buf);
	sb_init(&e->tmp);
	e->err = 0;
}

void sdp_entry_free(struct sdp_entry *e)
{
	sb_free(&e->buf);
	sb_free(&e->tmp);
}

bool sdp_field_name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (!n || n > SDP_FIELD_NAME_MAX || name[0] == '_' || (name[0] >= '0' && name[0] <= '9'))
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/* NAME\n, the value's length as a little-endian uint64, the value, \n. */
static void put_binary_field(struct strbuf *sb, const char *name, const char *value, size_t len)
{
	unsigned char le[8];
	uint64_t n = len;
	int i;

	for (i = 0; i < 8; i++)
		le[i] = (unsigned char)(n >> (8 * i));
	sb_puts(sb, name);
	sb_putc(sb, '\n');
	sb_write(sb, (const char *)le, sizeof(le));
	sb_write(sb, value, len);
	sb_putc(sb, '\n');
}

void sdp_entry_addn(struct sdp_entry *e, const char *name, const char *value, size_t len)
{
	if (e->err)
		return;
	if (!sdp_field_name_valid(name)) {
		e->err = -EINVAL;
		return;
	}
	/* A newline would end the field early in the KEY=value form. */
	if (memchr(value, '\n', len)) {
		put_binary_field(&e->buf, name, value, len);
		return;
	}
	sb_puts(&e->buf, name);
	sb_putc(&e->buf, '=');
	sb_write(&e->buf, value, len);
	sb_putc(&e->buf, '\n');
}

/* Trailing whitespace dropped, as sd_journal_send() did: no blank line after a MESSAGE. */
static size_t trimmed_len(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return n;
}

void sdp_entry_add(struct sdp_entry *e, const char *name, const char *value)
{
	sdp_entry_addn(e, name, value, trimmed_len(value, strlen(value)));
}

void sdp_entry_addf(struct sdp_entry *e, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (e->err)
		return;
	sb_reset(&e->tmp);
	va_start(ap, fmt);
	sb_vprintf(&e->tmp, fmt, ap);
	va_end(ap);
	if (e->tmp.oom) {
		e->err = -ENOMEM;
		return;
	}
	sdp_entry_addn(e, name, sb_str(&e->tmp), trimmed_len(sb_str(&e->tmp), e->tmp.len));
}

/* The journal's address; one unconnected socket for the process, sent to with the address. */
static struct sockaddr_un journal_addr = { .sun_family = AF_UNIX, .sun_path = SDP_JOURNAL_SOCKET };
static int journal_fd = -1;

int sdp_set_journal_socket(const char *path)
{
	if (!path)
		path = SDP_JOURNAL_SOCKET;
	if (!*path)
		return -EINVAL;
	if (strlen(path) >= sizeof(journal_addr.sun_path))
		return -ENAMETOOLONG;
	snprintf(journal_addr.sun_path, sizeof(journal_addr.sun_path), "%s", path);
	return 0;
}

static int journal_socket(void)
{
	int sz = SDP_JOURNAL_SNDBUF;

	if (journal_fd >= 0)
		return journal_fd;
	journal_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (journal_fd < 0)
		return -errno;
	/*
	 * As libsystemd: a burst of entries queues while journald is busy rather than
	 * blocking the agent at the first few (the kernel caps it at wmem_max). Best effort.
	 */
	setsockopt(journal_fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return journal_fd;
}

static int send_retry(int fd, struct msghdr *mh)
{
	ssize_t k;

	do
		k = sendmsg(fd, mh, MSG_NOSIGNAL);
	while (k < 0 && errno == EINTR);
	return k < 0 ? -errno : 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * An entry too big for one datagram goes as journald (and libsystemd) expect it: in a
 * memfd sealed against any change, passed alone in an empty datagram.
 */
static int send_as_memfd(int sock, const char *data, size_t len)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct msghdr mh = { .msg_name = &journal_addr,
			     .msg_namelen = sizeof(journal_addr),
			     .msg_control = &control,
			     .msg_controllen = sizeof(control) };
	struct cmsghdr *c;
	int fd, r;

	fd = memfd_create("journal-data", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (!r && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL))
		r = -errno;
	if (!r) {
		memset(&control, 0, sizeof(control));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
		r = send_retry(sock, &mh);
	}
	close(fd);
	return r;
}

int sdp_journal_send(const struct sdp_entry *e)
{
	struct iovec iov = { .iov_base = e->buf.buf, .iov_len = e->buf.len };
	struct msghdr mh = { .msg_name = &journal_addr,
			     .msg_namelen = sizeof(journal_addr),
			     .msg_iov = &iov,
			     .msg_iovlen = 1 };
	int sock, r;

	if (e->err)
		return e->err;
	if (e->buf.oom)
		return -ENOMEM;
	if (!e->buf.len)
		return -EINVAL;
	sock = journal_socket();
	if (sock < 0)
		return sock;
	r = send_retry(sock, &mh);
	/* No journald here: libsystemd says nothing either, and nor did we before. */
	if (r == -ENOENT)
		return 0;
	/* Too big for a datagram (EMSGSIZE) or for the socket's buffer now (ENOBUFS, EAGAIN). */
	if (r == -EMSGSIZE || r == -ENOBUFS || r == -EAGAIN)
		r = send_as_memfd(sock, e->buf.buf, e->buf.len);
	return r;
}

/* $NOTIFY_SOCKET: a path, or '@' for an abstract name (a leading NUL, no trailing one). */
static int notify_addr(const char *s, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n = strlen(s);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (s[0] == '/') {
		if (n >= sizeof(sa->sun_path))
			return -EINVAL;
		memcpy(sa->sun_path, s, n);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
		return 0;
	}
	if (s[0] == '@') {
		if (n < 2 || n > sizeof(sa->sun_path))
			return -EINVAL;
		memcpy(sa->sun_path + 1, s + 1, n - 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
		return 0;
	}
	/* vsock: (systemd in a VM) is not spoken here. */
	return -EAFNOSUPPORT;
}

int sdp_notify(const char *state)
{
	const char *s = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t len;
	ssize_t k;
	int fd, r;

	if (!s || !*s)
		return 0;
	r = notify_addr(s, &sa, &len);
	if (r)
		return r;
	/* A socket per state: a few datagrams a minute, none to keep open. */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	do
		k = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	while (k < 0 && errno == EINTR);
	r = k < 0 ? -errno : 1;
	close(fd);
	return r;
}

/* Decimal digits only: no sign, no space, no overflow. */
static int parse_u64(const char *s, uint64_t *v)
{
	uint64_t n = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -EINVAL;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	*v = n;
	return 0;
}

int sdp_watchdog_usec(uint64_t *usec)
{
	const char *s = getenv("WATCHDOG_USEC"), *p = getenv("WATCHDOG_PID");
	uint64_t v, pid;

	*usec = 0;
	if (!s)
		return 0;
	if (parse_u64(s, &v) || !v)
		return -EINVAL;
	/* Set for our main process, inherited by a child: the child is not the one watched. */
	if (p) {
		if (parse_u64(p, &pid) || !pid || pid > INT_MAX)
			return -EINVAL;
		if ((pid_t)pid != getpid())
			return 0;
	}
	*usec = v;
	return 1;
}
