// SPDX-License-Identifier: GPL-2.0
/*
 * systemd's protocols without libsystemd: what arrives on a real AF_UNIX socket, decoded
 * as journald and systemd decode it (the native protocol, a sealed memfd, sd_notify), and
 * the watchdog's environment.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "journal.h"
#include "sd_proto.h"

#define ALL_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

struct fixture {
	char dir[64];
	char journal[128];
	int sock; /* bound at journal: what sdp_journal_send sends arrives here */
	char buf[65536];
	ssize_t len;
};

static int bind_path(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	return fd;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_sd_proto.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->journal, sizeof(f->journal), "%s/journal", f->dir);
	f->sock = bind_path(f->journal);
	if (f->sock < 0 || sdp_set_journal_socket(f->journal))
		return -1;
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char notify[160];

	close(f->sock);
	unlink(f->journal);
	snprintf(notify, sizeof(notify), "%s/notify", f->dir);
	unlink(notify);
	rmdir(f->dir);
	sdp_set_journal_socket(NULL);
	free(f);
	return 0;
}

/* The next datagram, without waiting: the sender's sendmsg queued it before returning. */
static ssize_t receive(int fd, char *buf, size_t n, int *passed_fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = n };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = &control,
			     .msg_controllen = sizeof(control) };
	struct cmsghdr *c;
	ssize_t k = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	if (passed_fd)
		*passed_fd = -1;
	for (c = CMSG_FIRSTHDR(&mh); k >= 0 && c; c = CMSG_NXTHDR(&mh, c))
		if (passed_fd && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(passed_fd, CMSG_DATA(c), sizeof(int));
	return k;
}

static void receive_journal(struct fixture *f)
{
	int fd;

	f->len = receive(f->sock, f->buf, sizeof(f->buf), &fd);
	assert_true(f->len >= 0);
	assert_int_equal(fd, -1);
}

/* Field i of a serialized entry, decoded as journald does: NAME=value or NAME\n<le64>value\n. */
static int field_at(const char *p, size_t n, size_t *off, char *name, size_t nsz,
		    const char **value, size_t *vlen)
{
	const char *s = p + *off, *end = p + n, *eq, *nl;
	uint64_t len = 0;
	int i;

	if (s >= end)
		return 0;
	nl = memchr(s, '\n', (size_t)(end - s));
	if (!nl)
		return -1;
	eq = memchr(s, '=', (size_t)(nl - s));
	snprintf(name, nsz, "%.*s", (int)((eq ? eq : nl) - s), s);
	if (eq) {
		*value = eq + 1;
		*vlen = (size_t)(nl - eq - 1);
		*off = (size_t)(nl + 1 - p);
		return 1;
	}
	if (end - nl - 1 < 8)
		return -1;
	for (i = 0; i < 8; i++)
		len |= (uint64_t)(unsigned char)nl[1 + i] << (8 * i);
	if ((uint64_t)(end - nl - 9) < len + 1 || nl[9 + len] != '\n')
		return -1;
	*value = nl + 9;
	*vlen = (size_t)len;
	*off = (size_t)(nl + 9 + len + 1 - p);
	return 1;
}

static void test_plain_fields_arrive_as_key_equals_value(void **state)
{
	static const char want[] = "MESSAGE=mount of //fs1/data failed\nPRIORITY=3\nSMB_COUNT=7\n";
	struct fixture *f = *state;
	struct sdp_entry e;

	sdp_entry_init(&e);
	sdp_entry_add(&e, "MESSAGE", "mount of //fs1/data failed");
	sdp_entry_addf(&e, "PRIORITY", "%d", 3);
	sdp_entry_addf(&e, "SMB_COUNT", "%u", 7u);
	assert_int_equal(sdp_journal_send(&e), 0);
	sdp_entry_free(&e);
	receive_journal(f);
	assert_int_equal(f->len, sizeof(want) - 1);
	assert_memory_equal(f->buf, want, sizeof(want) - 1);
}

static void test_value_with_newlines_goes_binary_safe_with_le64_length(void **state)
{
	struct fixture *f = *state;
	char value[0x1234], want[sizeof(value) + 64];
	struct sdp_entry e;
	size_t n = 0;

	memset(value, 'x', sizeof(value));
	value[1] = '\n';
	value[sizeof(value) - 1] = '\n';
	sdp_entry_init(&e);
	sdp_entry_add(&e, "A", "1");
	sdp_entry_addn(&e, "SMB_HINT", value, sizeof(value));
	sdp_entry_add(&e, "B", "");
	assert_int_equal(sdp_journal_send(&e), 0);
	sdp_entry_free(&e);
	memcpy(want, "A=1\nSMB_HINT\n\x34\x12\0\0\0\0\0\0", 21);
	n = 21;
	memcpy(want + n, value, sizeof(value));
	n += sizeof(value);
	memcpy(want + n, "\nB=\n", 4);
	n += 4;
	receive_journal(f);
	assert_int_equal(f->len, n);
	assert_memory_equal(f->buf, want, n);
}

/* As sd_journal_send() did: trailing whitespace goes, leading stays; addn keeps every byte. */
static void test_trailing_whitespace_is_dropped_but_not_by_addn(void **state)
{
	static const char want[] = "MESSAGE\n\x0b\0\0\0\0\0\0\0  two\nlines\nSMB_HINT=x\n"
				   "SMB_LACKED=\nRAW= x \n";
	struct fixture *f = *state;
	struct sdp_entry e;

	sdp_entry_init(&e);
	sdp_entry_add(&e, "MESSAGE", "  two\nlines\n \t\r\n");
	sdp_entry_addf(&e, "SMB_HINT", "%s ", "x");
	sdp_entry_add(&e, "SMB_LACKED", " ");
	sdp_entry_addn(&e, "RAW", " x ", 3);
	assert_int_equal(sdp_journal_send(&e), 0);
	sdp_entry_free(&e);
	receive_journal(f);
	assert_int_equal(f->len, sizeof(want) - 1);
	assert_memory_equal(f->buf, want, sizeof(want) - 1);
}

static long proc_long(const char *path, long fallback)
{
	FILE *p = fopen(path, "r");
	long v = 0;

	if (p) {
		if (fscanf(p, "%ld", &v) != 1)
			v = 0;
		fclose(p);
	}
	return v > 0 ? v : fallback;
}

/*
 * The largest datagram the sender's socket takes: its SO_SNDBUF, which the kernel caps
 * at wmem_max and doubles (or wmem_default, if the request failed).
 */
static size_t datagram_max(void)
{
	long want = SDP_JOURNAL_SNDBUF, max = proc_long("/proc/sys/net/core/wmem_max", want);
	long def = proc_long("/proc/sys/net/core/wmem_default", 212992);
	long sndbuf = 2 * (want < max ? want : max);

	return (size_t)(sndbuf > def ? sndbuf : def);
}

/* What the memfd passed along holds, and whether it is sealed against any change. */
static void check_memfd(int fd, const struct sdp_entry *sent)
{
	struct stat st;
	char *got;

	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GET_SEALS), ALL_SEALS);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, sent->buf.len);
	got = malloc(sent->buf.len);
	assert_non_null(got);
	assert_int_equal(pread(fd, got, sent->buf.len, 0), sent->buf.len);
	assert_memory_equal(got, sent->buf.buf, sent->buf.len);
	free(got);
	close(fd);
}

/* The send buffer raised as libsystemd raised it: above wmem_default, still one datagram. */
static void test_entry_above_wmem_default_is_still_one_datagram(void **state)
{
	size_t big = (size_t)proc_long("/proc/sys/net/core/wmem_default", 212992) + 65536;
	struct fixture *f = *state;
	char *value, *got;
	struct sdp_entry e;
	int fd;

	if (big + 4096 > datagram_max())
		skip();
	value = malloc(big);
	got = malloc(big + 64);
	assert_true(value && got);
	memset(value, 'z', big);
	sdp_entry_init(&e);
	sdp_entry_addn(&e, "SMB_LACKED", value, big);
	assert_int_equal(sdp_journal_send(&e), 0);
	assert_int_equal(receive(f->sock, got, big + 64, &fd), e.buf.len);
	assert_int_equal(fd, -1);
	assert_memory_equal(got, e.buf.buf, e.buf.len);
	sdp_entry_free(&e);
	free(value);
	free(got);
}

static void test_entry_bigger_than_a_datagram_comes_as_a_sealed_memfd(void **state)
{
	/* A unix datagram may not exceed the sender's send buffer. */
	size_t big = datagram_max() + 65536;
	struct fixture *f = *state;
	char *value = malloc(big), name[80];
	const char *v;
	struct sdp_entry e;
	size_t off = 0, vlen;
	int fd;

	assert_non_null(value);
	memset(value, 'y', big);
	value[100] = '\n';
	sdp_entry_init(&e);
	sdp_entry_add(&e, "MESSAGE", "big");
	sdp_entry_addn(&e, "SMB_LACKED", value, big);
	assert_int_equal(sdp_journal_send(&e), 0);
	f->len = receive(f->sock, f->buf, sizeof(f->buf), &fd);
	assert_int_equal(f->len, 0);
	check_memfd(dup(fd), &e);
	/* And it decodes: the journal reads the memfd as it reads a datagram. */
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(read(fd, f->buf, 12), 12);
	assert_memory_equal(f->buf, "MESSAGE=big\n", 12);
	assert_int_equal(field_at(e.buf.buf, e.buf.len, &off, name, sizeof(name), &v, &vlen), 1);
	assert_int_equal(field_at(e.buf.buf, e.buf.len, &off, name, sizeof(name), &v, &vlen), 1);
	assert_string_equal(name, "SMB_LACKED");
	assert_int_equal(vlen, big);
	assert_memory_equal(v, value, big);
	assert_int_equal(off, e.buf.len);
	close(fd);
	sdp_entry_free(&e);
	free(value);
}

static void test_field_names_journald_would_refuse_are_refused(void **state)
{
	static const char *bad[] = {
		"",
		"_SYSTEMD_UNIT",
		"1ABC",
		"message",
		"SMB-CAUSE",
		"A=B",
		"A\nB",
		"SMB_CAUSE ",
		"A12345678901234567890123456789012345678901234567890123456789012345"
	};
	static const char *good[] = {
		"A", "MESSAGE", "SMB_KRB_E_TEXT", "X_9",
		"A123456789012345678901234567890123456789012345678901234567890123"
	};
	struct fixture *f = *state;
	struct sdp_entry e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(sdp_field_name_valid(bad[i]));
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(sdp_field_name_valid(good[i]));
	sdp_entry_init(&e);
	sdp_entry_add(&e, "MESSAGE", "fine");
	sdp_entry_add(&e, "_PID", "1");
	sdp_entry_add(&e, "PRIORITY", "3");
	assert_int_equal(sdp_journal_send(&e), -EINVAL);
	sdp_entry_free(&e);
	/* Nothing at all was sent, not the fields before the bad one either. */
	assert_int_equal(receive(f->sock, f->buf, sizeof(f->buf), NULL), -1);
	assert_int_equal(errno, EAGAIN);
}

static void test_no_journal_listening_is_not_an_error(void **state)
{
	struct fixture *f = *state;
	char path[160];
	struct sdp_entry e;

	snprintf(path, sizeof(path), "%s/absent", f->dir);
	assert_int_equal(sdp_set_journal_socket(path), 0);
	sdp_entry_init(&e);
	sdp_entry_add(&e, "MESSAGE", "nobody hears this");
	assert_int_equal(sdp_journal_send(&e), 0);
	sdp_entry_free(&e);
	assert_int_equal(sdp_set_journal_socket(""), -EINVAL);
}

/* journal.c's entries keep libsystemd's fields: location first, then what they were given. */
static void test_startup_entry_has_the_fields_it_had(void **state)
{
	static const char *names[] = { "CODE_FILE", "CODE_LINE",  "CODE_FUNC",	      "MESSAGE",
				       "PRIORITY",  "MESSAGE_ID", "SYSLOG_IDENTIFIER" };
	static const char *values[] = { "user/output/journal.c",
					NULL,
					"journal_startup",
					"smbwatch 1.0 started\nsecond line",
					"6",
					SMBW_STARTUP_MESSAGE_ID,
					"smbwatch" };
	struct fixture *f = *state;
	char name[80];
	const char *v;
	size_t off = 0, vlen, i;

	assert_int_equal(journal_startup("smbwatch 1.0 started\nsecond line\n"), 0);
	receive_journal(f);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(
			field_at(f->buf, (size_t)f->len, &off, name, sizeof(name), &v, &vlen), 1);
		assert_string_equal(name, names[i]);
		if (values[i]) {
			assert_int_equal(vlen, strlen(values[i]));
			assert_memory_equal(v, values[i], vlen);
		}
	}
	assert_int_equal(off, f->len);
}

/* The diagnosis entry's fields, in libsystemd's days' order (only CODE_LINE moved). */
static void test_diagnosis_entry_has_the_fields_it_had(void **state)
{
	static const char *names[] = {
		"CODE_FILE",
		"CODE_LINE",
		"CODE_FUNC",
		"MESSAGE",
		"PRIORITY",
		"MESSAGE_ID",
		"SYSLOG_IDENTIFIER",
		"SMB_CAUSE",
		"SMB_PHASE",
		"SMB_SERVER",
		"SMB_SERVER_ADDR",
		"SMB_SHARE",
		"SMB_USER",
		"SMB_DOMAIN",
		"SMB_DIALECT",
		"SMB_AUTH",
		"NT_STATUS",
		"NT_STATUS_NAME",
		"SMB_ERRNO",
		"SMB_ERRNO_NAME",
		"SMB_IPC",
		"SMB_COUNT",
		"SMB_ELAPSED_MS",
		"SMB_TCP_RETRANSMITS",
		"SMB_SYN_ANSWERED",
		"SMB_RESET_BY",
		"SMB_RECONNECTS",
		"SMB_SIGNATURE_FAILURES",
		"SMB_CLIENT_SIGNING",
		"SMB_SERVER_SIGNING",
		"SMB_SESSION_REFUSED_CODE",
		"SMB_LACKED",
		"SMB_KRB_UPCALL",
		"SMB_KRB_UPCALL_EXIT",
		"SMB_KRB_ERROR",
		"SMB_KRB_ERROR_NAME",
		"SMB_KRB_ERROR_SOURCE",
		"SMB_KRB_PRINCIPAL",
		"SMB_KRB_REALM",
		"SMB_KRB_E_TEXT",
		"SMB_KRB_KDC_ADDR",
		"SMB_KRB_TRANSPORT",
		"SMB_KRB_KDC_FAILURE",
		"SMB_KRB_TICKETS_ISSUED",
		"SMB_KRB_SKEW_S",
		"SMB_SENT_USER",
		"SMB_SENT_DOMAIN",
		"SMB_SENT_WORKSTATION",
		"SMB_SENT_ANONYMOUS",
		"SMB_PID",
		"SMB_COMM",
		"SMB_HINT",
	};
	struct fixture *f = *state;
	struct diagnosis d;
	char name[80];
	const char *v;
	size_t off = 0, vlen, i;

	memset(&d, 0, sizeof(d));
	d.nt_status = 0xc000006d;
	d.rc = -13;
	d.count = 2;
	d.pid = 4242;
	snprintf(d.server, sizeof(d.server), "fs1");
	snprintf(d.comm, sizeof(d.comm), "mount.cifs");
	assert_int_equal(journal_diagnosis(&d, 0), 0);
	receive_journal(f);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(
			field_at(f->buf, (size_t)f->len, &off, name, sizeof(name), &v, &vlen), 1);
		assert_string_equal(name, names[i]);
		if (!strcmp(name, "NT_STATUS"))
			assert_memory_equal(v, "0xc000006d", vlen);
		if (!strcmp(name, "SMB_ERRNO"))
			assert_memory_equal(v, "13", vlen);
		if (!strcmp(name, "SMB_COMM"))
			assert_memory_equal(v, "mount.cifs", vlen);
	}
	assert_int_equal(off, f->len);
}

static void test_notify_reaches_a_path_socket(void **state)
{
	struct fixture *f = *state;
	char path[160], buf[64];
	int fd;

	snprintf(path, sizeof(path), "%s/notify", f->dir);
	fd = bind_path(path);
	assert_true(fd >= 0);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(sdp_notify("READY=1"), 1);
	assert_int_equal(receive(fd, buf, sizeof(buf), NULL), 7);
	assert_memory_equal(buf, "READY=1", 7);
	service_notify_status("watching 3 hooks");
	assert_int_equal(receive(fd, buf, sizeof(buf), NULL), 23);
	assert_memory_equal(buf, "STATUS=watching 3 hooks", 23);
	service_watchdog_ping();
	assert_int_equal(receive(fd, buf, sizeof(buf), NULL), 10);
	assert_memory_equal(buf, "WATCHDOG=1", 10);
	close(fd);
}

static void test_notify_reaches_an_abstract_socket(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char name[64], env[80], buf[64];
	socklen_t len;
	int fd;

	(void)state;
	/* Bound without a trailing NUL: a sender counting one would miss it. */
	snprintf(name, sizeof(name), "smbwatch-test-%d", (int)getpid());
	memcpy(sa.sun_path + 1, name, strlen(name));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, len), 0);
	snprintf(env, sizeof(env), "@%s", name);
	setenv("NOTIFY_SOCKET", env, 1);
	assert_int_equal(sdp_notify("STOPPING=1"), 1);
	assert_int_equal(receive(fd, buf, sizeof(buf), NULL), 10);
	assert_memory_equal(buf, "STOPPING=1", 10);
	close(fd);
}

static void test_notify_without_socket_does_nothing(void **state)
{
	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(sdp_notify("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(sdp_notify("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_int_equal(sdp_notify("READY=1"), -EAFNOSUPPORT);
	setenv("NOTIFY_SOCKET", "@", 1);
	assert_int_equal(sdp_notify("READY=1"), -EINVAL);
	setenv("NOTIFY_SOCKET", "/nonexistent/smbwatch-notify", 1);
	assert_int_equal(sdp_notify("READY=1"), -ENOENT);
}

static void expect_watchdog(const char *usec, const char *pid, int ret, uint64_t want)
{
	uint64_t got = 12345;

	if (usec)
		setenv("WATCHDOG_USEC", usec, 1);
	else
		unsetenv("WATCHDOG_USEC");
	if (pid)
		setenv("WATCHDOG_PID", pid, 1);
	else
		unsetenv("WATCHDOG_PID");
	assert_int_equal(sdp_watchdog_usec(&got), ret);
	assert_int_equal(got, want);
}

static void test_watchdog_usec_is_parsed_strictly(void **state)
{
	char me[24], other[24];

	(void)state;
	snprintf(me, sizeof(me), "%d", (int)getpid());
	snprintf(other, sizeof(other), "%d", (int)getpid() + 1);
	expect_watchdog(NULL, NULL, 0, 0);
	expect_watchdog("30000000", NULL, 1, 30000000);
	expect_watchdog("30000000", me, 1, 30000000);
	expect_watchdog("30000000", other, 0, 0);
	expect_watchdog("18446744073709551615", NULL, 1, UINT64_MAX);
	expect_watchdog("0", NULL, -EINVAL, 0);
	expect_watchdog("", NULL, -EINVAL, 0);
	expect_watchdog("30s", NULL, -EINVAL, 0);
	expect_watchdog("-5", NULL, -EINVAL, 0);
	expect_watchdog("+5", NULL, -EINVAL, 0);
	expect_watchdog(" 5", NULL, -EINVAL, 0);
	expect_watchdog("18446744073709551616", NULL, -EINVAL, 0);
	expect_watchdog("30000000", "garbage", -EINVAL, 0);
	expect_watchdog("30000000", "0", -EINVAL, 0);
	expect_watchdog("30000000", NULL, 1, 30000000);
	assert_int_equal(service_watchdog_ns(), 30000000000ull);
	expect_watchdog("30000000", other, 0, 0);
	assert_int_equal(service_watchdog_ns(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_plain_fields_arrive_as_key_equals_value),
		T(test_value_with_newlines_goes_binary_safe_with_le64_length),
		T(test_trailing_whitespace_is_dropped_but_not_by_addn),
		T(test_entry_above_wmem_default_is_still_one_datagram),
		T(test_entry_bigger_than_a_datagram_comes_as_a_sealed_memfd),
		T(test_field_names_journald_would_refuse_are_refused),
		T(test_no_journal_listening_is_not_an_error),
		T(test_startup_entry_has_the_fields_it_had),
		T(test_diagnosis_entry_has_the_fields_it_had),
		T(test_notify_reaches_a_path_socket),
		T(test_notify_reaches_an_abstract_socket),
		T(test_notify_without_socket_does_nothing),
		T(test_watchdog_usec_is_parsed_strictly),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
