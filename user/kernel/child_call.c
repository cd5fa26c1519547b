// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child_call.h"

/* Room for every descriptor a result may carry, aligned for cmsghdr. */
union fd_cmsg {
	char buf[CMSG_SPACE(sizeof(int) * CHILD_CALL_MAX_FDS)];
	struct cmsghdr align;
};

static int send_result(int sock, const struct child_result *out)
{
	struct iovec iov = { .iov_base = out->data, .iov_len = out->len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	union fd_cmsg u;
	struct cmsghdr *c;

	if (out->nfds < 0 || out->nfds > CHILD_CALL_MAX_FDS)
		return -EINVAL;
	if (out->nfds) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)out->nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)out->nfds);
		memcpy(CMSG_DATA(c), out->fds, sizeof(int) * (size_t)out->nfds);
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)out->len ? 0 : -errno;
}

/*
 * The child dies with its parent (an agent killed mid-load leaves nothing
 * running), runs fn and exits without atexit handlers or stdio flushes: what
 * the parent had buffered is the parent's to write.
 */
static void child_main(int sock, pid_t parent, child_fn fn, void *arg, struct child_result *out)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(1);
	out->nfds = 0;
	fn(arg, out);
	_exit(send_result(sock, out) ? 1 : 0);
}

static void close_fds(struct child_result *out)
{
	for (int i = 0; i < out->nfds; i++)
		close(out->fds[i]);
	out->nfds = 0;
}

static void take_fds(struct msghdr *msg, struct child_result *out)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n && out->nfds < CHILD_CALL_MAX_FDS; i++)
			memcpy(&out->fds[out->nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
}

/* 0, or -EPIPE when the child sent nothing (it died: its exit status says why). */
static int receive_result(int sock, struct child_result *out, char *errmsg, size_t n)
{
	struct iovec iov = { .iov_base = out->data, .iov_len = out->len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	union fd_cmsg u;
	ssize_t got;

	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	do
		got = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (got < 0 && errno == EINTR);
	if (got < 0) {
		snprintf(errmsg, n, "cannot read what the loading process handed over: %s",
			 strerror(errno));
		return -errno;
	}
	take_fds(&msg, out);
	if (got == 0 && !out->nfds)
		return -EPIPE;
	if (msg.msg_flags & MSG_CTRUNC) {
		close_fds(out);
		snprintf(errmsg, n,
			 "the loading process's descriptors did not all arrive: raise the open "
			 "files limit (ulimit -n, or LimitNOFILE= in the service unit)");
		return -EMFILE;
	}
	if ((msg.msg_flags & MSG_TRUNC) || (size_t)got != out->len) {
		close_fds(out);
		snprintf(errmsg, n, "the loading process handed over %zd bytes, %zu expected", got,
			 out->len);
		return -EPROTO;
	}
	return 0;
}

static void describe_death(int status, char *errmsg, size_t n)
{
	if (WIFSIGNALED(status))
		snprintf(errmsg, n, "the loading process was killed by signal %d (%s) before it "
			 "handed over", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(errmsg, n, "the loading process exited with status %d before it handed "
			 "over", WEXITSTATUS(status));
}

int child_call(child_fn fn, void *arg, struct child_result *out, char *errmsg, size_t n)
{
	pid_t parent = getpid(), pid;
	int sv[2], err, status = 0;

	out->nfds = 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		snprintf(errmsg, n, "cannot make a socket pair for the loading process: %s",
			 strerror(errno));
		return -errno;
	}
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		child_main(sv[1], parent, fn, arg, out);
	}
	err = pid < 0 ? -errno : 0;
	close(sv[1]);
	if (pid < 0)
		snprintf(errmsg, n, "cannot start the loading process: %s", strerror(-err));
	else
		err = receive_result(sv[0], out, errmsg, n);
	close(sv[0]);
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (err == -EPIPE)
		describe_death(status, errmsg, n);
	return err;
}

int child_call_fd_room(int extra, char *errmsg, size_t n)
{
	rlim_t need = (rlim_t)extra + 64; /* and what the agent opens besides */
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 0; /* not knowing is no reason to refuse: a short handover says it */
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		snprintf(errmsg, n,
			 "the open files limit is %llu, smbwatch needs %llu: raise it (ulimit -n, "
			 "or LimitNOFILE= in the service unit)",
			 (unsigned long long)rl.rlim_max, (unsigned long long)need);
		return -EMFILE;
	}
	rl.rlim_cur = need;
	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}
