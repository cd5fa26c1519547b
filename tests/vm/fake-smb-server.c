/*
 * fake-smb-server: a misbehaving SMB server for the VM scenarios (tests/vm/scenarios/).
 *
 * usage: fake-smb-server silent|reset [PORT [ADDR]]  (listens on ADDR:PORT, default 127.0.0.1:445;
 *                                                    ADDR an IPv4 address the host has, e.g. 127.0.0.5)
 *   silent  accept TCP, read whatever the client sends and never answer; connections stay open
 *           until the client closes them or the server is killed (negotiate-no-response).
 *   reset   read the first request (NetBIOS length + the SMB header it announces), then close
 *           with SO_LINGER {1, 0} so that the kernel answers with an RST (negotiate-reset).
 * SIGTERM or SIGINT: close everything and exit 0.  One poll() loop, no busy waiting.
 *
 * Build: cc -O2 -Wall -Wextra -Werror -o fake-smb-server tests/vm/fake-smb-server.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS	64
#define NB_HDR_LEN	4		/* NetBIOS session header: type, 24-bit length */
#define SMB_HDR_LEN	64		/* SMB2 sync header; SMB1's is shorter */
#define MAX_MSG		(1 << 17)	/* bound for the announced length */

enum mode { MODE_SILENT, MODE_RESET };

struct conn {
	int fd;
	size_t got;			/* bytes of the first request read so far */
	size_t need;			/* its full size, once the NetBIOS header is in */
	unsigned char head[NB_HDR_LEN + SMB_HDR_LEN];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: poll() must return EINTR so that the loop sees stop. */
	if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL))
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int parse_args(int argc, char **argv, enum mode *mode, int *port, struct in_addr *addr)
{
	char *end;
	long p = 445;

	addr->s_addr = htonl(INADDR_LOOPBACK);
	if (argc < 2 || argc > 4)
		return -1;
	if (!strcmp(argv[1], "silent"))
		*mode = MODE_SILENT;
	else if (!strcmp(argv[1], "reset"))
		*mode = MODE_RESET;
	else
		return -1;
	if (argc >= 3) {
		errno = 0;
		p = strtol(argv[2], &end, 10);
		if (errno || *end || p < 1 || p > 65535)
			return -1;
	}
	if (argc == 4 && inet_pton(AF_INET, argv[3], addr) != 1)
		return -1;
	*port = (int)p;
	return 0;
}

static int listen_on(struct in_addr addr, int port)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* A previous instance's TIME_WAIT must not block the next scenario. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		goto fail;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr = addr;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 16))
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* Close so that the peer gets an RST instead of a FIN. */
static void close_with_reset(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)))
		perror("fake-smb-server: SO_LINGER");
	close(fd);
}

static const char *protocol_of(const struct conn *c)
{
	const unsigned char *p = c->head + NB_HDR_LEN;

	if (c->got < NB_HDR_LEN + 4)
		return "?";
	if (p[0] == 0xfe && !memcmp(p + 1, "SMB", 3))
		return "SMB2";
	if (p[0] == 0xff && !memcmp(p + 1, "SMB", 3))
		return "SMB1";
	return "not SMB";
}

/*
 * Read what is there.  Returns 1 once the first request is complete (the NetBIOS header and
 * at least the SMB header it announces), 0 while more is to come, -1 on EOF or error.
 */
static int read_request(struct conn *c)
{
	unsigned char buf[4096];
	size_t len, keep;
	ssize_t n;

	n = read(c->fd, buf, sizeof(buf));
	if (n == 0)
		return -1;
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	if (c->got < sizeof(c->head)) {
		keep = sizeof(c->head) - c->got;
		if (keep > (size_t)n)
			keep = (size_t)n;
		memcpy(c->head + c->got, buf, keep);
	}
	c->got += (size_t)n;
	if (!c->need && c->got >= NB_HDR_LEN) {
		len = (size_t)c->head[1] << 16 | (size_t)c->head[2] << 8 | c->head[3];
		if (len > MAX_MSG)
			len = MAX_MSG;
		c->need = NB_HDR_LEN + len;
	}
	return c->need && c->got >= c->need;
}

static void drop_conn(struct conn *conns, int *nconns, int i)
{
	conns[i] = conns[--*nconns];
}

static void accept_conn(int lfd, struct conn *conns, int *nconns)
{
	int fd;

	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (*nconns == MAX_CONNS) {
		close(fd);
		return;
	}
	memset(&conns[*nconns], 0, sizeof(conns[0]));
	conns[(*nconns)++].fd = fd;
	fprintf(stderr, "fake-smb-server: connection accepted\n");
}

static void serve_conn(enum mode mode, struct conn *conns, int *nconns, int i)
{
	struct conn *c = &conns[i];
	int r = read_request(c);

	if (r < 0) {
		fprintf(stderr, "fake-smb-server: client closed after %zu bytes\n", c->got);
		close(c->fd);
		drop_conn(conns, nconns, i);
	} else if (r > 0 && mode == MODE_RESET) {
		fprintf(stderr, "fake-smb-server: %s request of %zu bytes read, resetting\n",
			protocol_of(c), c->got);
		close_with_reset(c->fd);
		drop_conn(conns, nconns, i);
	}
}

static int serve(int lfd, enum mode mode)
{
	struct pollfd pfd[MAX_CONNS + 1];
	struct conn conns[MAX_CONNS];
	int nconns = 0, i, n;

	while (!stop) {
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < nconns; i++) {
			pfd[i + 1].fd = conns[i].fd;
			pfd[i + 1].events = POLLIN;
		}
		n = poll(pfd, nconns + 1, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("fake-smb-server: poll");
			break;
		}
		/* Back to front: drop_conn() moves the last connection into slot i. */
		for (i = nconns - 1; i >= 0; i--)
			if (pfd[i + 1].revents)
				serve_conn(mode, conns, &nconns, i);
		if (pfd[0].revents & POLLIN)
			accept_conn(lfd, conns, &nconns);
	}
	for (i = 0; i < nconns; i++)
		close(conns[i].fd);
	return stop ? 0 : 1;
}

int main(int argc, char **argv)
{
	enum mode mode;
	struct in_addr addr;
	char astr[INET_ADDRSTRLEN];
	int port, lfd, ret;

	if (parse_args(argc, argv, &mode, &port, &addr)) {
		fprintf(stderr, "usage: %s silent|reset [PORT [ADDR]]\n", argv[0]);
		return 2;
	}
	if (install_signals()) {
		perror("fake-smb-server: sigaction");
		return 1;
	}
	inet_ntop(AF_INET, &addr, astr, sizeof(astr));
	lfd = listen_on(addr, port);
	if (lfd < 0) {
		fprintf(stderr, "fake-smb-server: listen on %s:%d: %s\n", astr, port,
			strerror(errno));
		return 1;
	}
	fprintf(stderr, "fake-smb-server: %s mode, listening on %s:%d\n",
		mode == MODE_SILENT ? "silent" : "reset", astr, port);
	ret = serve(lfd, mode);
	close(lfd);
	fprintf(stderr, "fake-smb-server: stopped\n");
	return ret;
}
