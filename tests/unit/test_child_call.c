// SPDX-License-Identifier: GPL-2.0
/* child_call: a child's result and descriptors come back whole, or a one-line reason. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "child_call.h"

struct answer {
	int pid;
	char word[16];
};

/* A pipe made in the child: the caller writes to one end and reads the other. */
static void make_pipe(void *arg, struct child_result *out)
{
	struct answer *a = out->data;
	int p[2];

	(void)arg;
	if (pipe(p))
		_exit(7);
	a->pid = getpid();
	strcpy(a->word, "handed");
	out->fds[0] = p[0];
	out->fds[1] = p[1];
	out->nfds = 2;
}

static void test_result_and_descriptors_come_back(void **state)
{
	struct answer a = { 0 };
	struct child_result res = { .data = &a, .len = sizeof(a) };
	char err[256] = "", buf[8] = "";

	(void)state;
	assert_int_equal(child_call(make_pipe, NULL, &res, err, sizeof(err)), 0);
	assert_string_equal(a.word, "handed");
	assert_int_not_equal(a.pid, getpid());
	assert_int_equal(kill(a.pid, 0), -1); /* gone, and reaped: no zombie */
	assert_int_equal(res.nfds, 2);
	assert_true(fcntl(res.fds[0], F_GETFD) & FD_CLOEXEC);
	assert_int_equal(write(res.fds[1], "abc", 3), 3);
	assert_int_equal(read(res.fds[0], buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "abc", 3);
	close(res.fds[0]);
	close(res.fds[1]);
}

static void die_by_signal(void *arg, struct child_result *out)
{
	(void)arg;
	(void)out;
	raise(SIGKILL);
}

static void exit_early(void *arg, struct child_result *out)
{
	(void)arg;
	(void)out;
	_exit(3);
}

static void test_a_dead_child_is_said(void **state)
{
	struct answer a = { 0 };
	struct child_result res = { .data = &a, .len = sizeof(a) };
	char err[256] = "";

	(void)state;
	assert_int_equal(child_call(die_by_signal, NULL, &res, err, sizeof(err)), -EPIPE);
	assert_non_null(strstr(err, "killed by signal 9 (Killed)"));
	assert_int_equal(child_call(exit_early, NULL, &res, err, sizeof(err)), -EPIPE);
	assert_non_null(strstr(err, "exited with status 3 before it handed over"));
	assert_null(strchr(err, '\n'));
}

static void send_short(void *arg, struct child_result *out)
{
	(void)arg;
	out->len = 4;
	out->fds[0] = dup(0);
	out->nfds = 1;
}

static void test_a_short_result_is_refused_and_its_fds_closed(void **state)
{
	struct answer a = { 0 };
	struct child_result res = { .data = &a, .len = sizeof(a) };
	char err[256] = "";
	int next = dup(0);

	(void)state;
	close(next); /* the lowest free descriptor: a leaked one would take it */
	assert_int_equal(child_call(send_short, NULL, &res, err, sizeof(err)), -EPROTO);
	assert_string_equal(err, "the loading process handed over 4 bytes, 20 expected");
	assert_int_equal(res.nfds, 0);
	assert_int_equal(fcntl(next, F_GETFD), -1);
}

/* More descriptors than the caller may open: the child raises its own limit to make them. */
static void send_many(void *arg, struct child_result *out)
{
	struct rlimit rl;

	(void)arg;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	for (out->nfds = 0; out->nfds < 60; out->nfds++)
		out->fds[out->nfds] = dup(0);
}

static void test_descriptors_beyond_the_limit_are_said(void **state)
{
	struct answer a = { 0 };
	struct child_result res = { .data = &a, .len = sizeof(a) };
	struct rlimit saved, low;
	char err[256] = "";
	int rc;

	(void)state;
	getrlimit(RLIMIT_NOFILE, &saved);
	low = saved;
	low.rlim_cur = 16;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	rc = child_call(send_many, NULL, &res, err, sizeof(err));
	setrlimit(RLIMIT_NOFILE, &saved);
	assert_int_equal(rc, -EMFILE);
	assert_non_null(strstr(err, "raise the open files limit (ulimit -n"));
	assert_int_equal(res.nfds, 0);
}

/* In a process of its own: a lowered hard limit cannot be raised again. */
static int fd_room_with(rlim_t soft, rlim_t hard, int extra, char *err, size_t n, rlim_t *after)
{
	struct rlimit rl = { .rlim_cur = soft, .rlim_max = hard };
	int p[2], status;
	struct {
		int rc;
		rlim_t cur;
		char err[200];
	} r = { 0 };
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		if (setrlimit(RLIMIT_NOFILE, &rl))
			_exit(1);
		r.rc = child_call_fd_room(extra, r.err, sizeof(r.err));
		getrlimit(RLIMIT_NOFILE, &rl);
		r.cur = rl.rlim_cur;
		_exit(write(p[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &r, sizeof(r)), sizeof(r));
	close(p[0]);
	waitpid(pid, &status, 0);
	snprintf(err, n, "%s", r.err);
	*after = r.cur;
	return r.rc;
}

static void test_the_open_files_limit_is_raised_or_refused(void **state)
{
	char err[200];
	rlim_t cur;

	(void)state;
	assert_int_equal(fd_room_with(32, 1024, 136, err, sizeof(err), &cur), 0);
	assert_int_equal(cur, 200);
	assert_int_equal(fd_room_with(512, 1024, 136, err, sizeof(err), &cur), 0);
	assert_int_equal(cur, 512); /* never lowered */
	assert_int_equal(fd_room_with(32, 100, 136, err, sizeof(err), &cur), -EMFILE);
	assert_string_equal(err, "the open files limit is 100, smbwatch needs 200: raise it "
				 "(ulimit -n, or LimitNOFILE= in the service unit)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result_and_descriptors_come_back),
		cmocka_unit_test(test_a_dead_child_is_said),
		cmocka_unit_test(test_a_short_result_is_refused_and_its_fds_closed),
		cmocka_unit_test(test_descriptors_beyond_the_limit_are_said),
		cmocka_unit_test(test_the_open_files_limit_is_raised_or_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
