/*
 * faulty-proxy: a TCP proxy in front of a real smbd that alters the server's SMB2 answers as a
 * faulty server would (tests/vm/scenarios/50-faulty-server.sh, tests/vm/proxy-lib.sh).
 *
 * usage: faulty-proxy [OPTION...] LISTEN_ADDR:PORT TARGET_ADDR:PORT   (IPv4)
 *        faulty-proxy --selftest        unit checks over loopback, TAP on stdout
 * Options; each alters server->client SMB2 messages only, the client's bytes pass unchanged:
 *   --corrupt-signatures     flip a byte of the Signature of every signed response, as an old
 *                            device that signs wrongly does
 *   --after-session          ... only of the responses after the session is established (after
 *                            the SESSION_SETUP response with STATUS_SUCCESS)
 *   --command CMD            ... only of the responses to CMD: negotiate, session_setup,
 *                            tree_connect or an SMB2 command number
 *   --session-status HEX     answer the final SESSION_SETUP (the one that says STATUS_SUCCESS)
 *                            with an error response of this NT status instead, e.g. 0xC0000022
 *                            (ACCESS_DENIED), as a Windows server with
 *                            SmbServerNameHardeningLevel does for a name it does not own
 *   --negotiate-secmode HEX  set the SecurityMode of the NEGOTIATE response (0x1 signing enabled,
 *                            0x2 signing required), e.g. 0 for a server that cannot sign
 * and one that alters client->server messages:
 *   --corrupt-request-signatures  flip a byte of the Signature of every signed request (--command
 *                            applies): the server sees what a server that verifies wrongly sees
 * With none of them it passes everything through.  Encrypted (0xFD 'SMB') and compressed
 * (0xFC 'SMB') messages, SMB1 and NetBIOS control frames always pass unchanged.
 *
 * One process per connection (forked), one log line on stderr per change it makes.  It exits
 * on SIGTERM or SIGINT, and with the process that started it (PR_SET_PDEATHSIG): a scenario
 * that dies leaves no proxy behind.
 *
 * Build: cc -O2 -Wall -Wextra -Werror -o faulty-proxy tests/vm/faulty-proxy.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define NB_HDR_LEN	4		/* RFC 1002 session header: type, 24-bit length */
#define NB_MAX_LEN	0xffffff
#define NB_SESSION_MSG	0x00

#define SMB2_HDR_LEN	64
#define SMB2_STATUS	8		/* offsets in the SMB2 header */
#define SMB2_COMMAND	12
#define SMB2_FLAGS	16
#define SMB2_NEXT	20
#define SMB2_MID	24
#define SMB2_SIGNATURE	48
#define SMB2_SIG_LEN	16

#define SMB2_FLAGS_SERVER_TO_REDIR	0x1
#define SMB2_FLAGS_SIGNED		0x8

#define SMB2_NEGOTIATE		0
#define SMB2_SESSION_SETUP	1
#define SMB2_TREE_CONNECT	3
#define SMB2_NEG_SECMODE	(SMB2_HDR_LEN + 2)	/* NEGOTIATE response SecurityMode */
#define SMB2_ERROR_BODY_LEN	9			/* StructureSize 9, one byte of ErrorData */

struct config {
	bool corrupt;		/* --corrupt-signatures */
	bool corrupt_requests;	/* --corrupt-request-signatures */
	bool after_session;
	int command;		/* --command, -1: every command */
	uint32_t session_status; /* 0: leave the session setup alone */
	int secmode;		/* --negotiate-secmode, -1: leave it */
};

struct conn {
	int id;
	bool session_up;	/* a SESSION_SETUP response said STATUS_SUCCESS */
	unsigned corrupted, rewritten;
};

static volatile sig_atomic_t stop;

static const char *const cmd_names[] = {
	"NEGOTIATE", "SESSION_SETUP", "LOGOFF", "TREE_CONNECT", "TREE_DISCONNECT", "CREATE",
	"CLOSE", "FLUSH", "READ", "WRITE", "LOCK", "IOCTL", "CANCEL", "ECHO", "QUERY_DIRECTORY",
	"CHANGE_NOTIFY", "QUERY_INFO", "SET_INFO", "OPLOCK_BREAK",
};

static const char *cmd_name(unsigned cmd)
{
	return cmd < sizeof(cmd_names) / sizeof(cmd_names[0]) ? cmd_names[cmd] : "?";
}

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put_nb_len(unsigned char *f, size_t len)
{
	f[1] = (unsigned char)(len >> 16);
	f[2] = (unsigned char)(len >> 8);
	f[3] = (unsigned char)len;
}

/* The final SESSION_SETUP response becomes an unsigned error response, as Windows sends it. */
static size_t refuse_session(const struct config *cfg, struct conn *c, unsigned char *h)
{
	put32(h + SMB2_STATUS, cfg->session_status);
	put32(h + SMB2_FLAGS, get32(h + SMB2_FLAGS) & ~(uint32_t)SMB2_FLAGS_SIGNED);
	memset(h + SMB2_SIGNATURE, 0, SMB2_SIG_LEN);
	memset(h + SMB2_HDR_LEN, 0, SMB2_ERROR_BODY_LEN);
	put16(h + SMB2_HDR_LEN, SMB2_ERROR_BODY_LEN);
	c->rewritten++;
	fprintf(stderr, "faulty-proxy: conn %d: SESSION_SETUP mid %llu: STATUS_SUCCESS -> 0x%08X\n",
		c->id, (unsigned long long)get64(h + SMB2_MID), cfg->session_status);
	return SMB2_HDR_LEN + SMB2_ERROR_BODY_LEN;
}

/*
 * One SMB2 message of a chain: h, len bytes to the end of the frame, room bytes of buffer
 * from h on; last: no message follows.  Returns the new length of the frame from h on.
 */
static size_t alter_msg(const struct config *cfg, struct conn *c, unsigned char *h, size_t len,
			size_t room, bool last)
{
	uint32_t flags = get32(h + SMB2_FLAGS), status = get32(h + SMB2_STATUS);
	unsigned cmd = get16(h + SMB2_COMMAND);

	if (!(flags & SMB2_FLAGS_SERVER_TO_REDIR)) {
		if (cfg->corrupt_requests && (flags & SMB2_FLAGS_SIGNED) &&
		    (cfg->command < 0 || (unsigned)cfg->command == cmd)) {
			h[SMB2_SIGNATURE] ^= 0x5a;
			c->corrupted++;
			fprintf(stderr, "faulty-proxy: conn %d: %s request mid %llu: signature corrupted\n",
				c->id, cmd_name(cmd), (unsigned long long)get64(h + SMB2_MID));
		}
		return len;
	}
	/* smbd's final answer may be shorter than an error response (an empty blob: 72 bytes) */
	if (cmd == SMB2_SESSION_SETUP && status == 0 && cfg->session_status && last &&
	    room >= SMB2_HDR_LEN + SMB2_ERROR_BODY_LEN) {
		len = refuse_session(cfg, c, h);
		status = cfg->session_status;
		flags = get32(h + SMB2_FLAGS);
	}
	if (cmd == SMB2_NEGOTIATE && status == 0 && cfg->secmode >= 0 &&
	    len >= SMB2_NEG_SECMODE + 2) {
		fprintf(stderr, "faulty-proxy: conn %d: NEGOTIATE SecurityMode 0x%x -> 0x%x\n",
			c->id, get16(h + SMB2_NEG_SECMODE), cfg->secmode);
		put16(h + SMB2_NEG_SECMODE, (uint16_t)cfg->secmode);
		c->rewritten++;
	}
	if (cfg->corrupt && (flags & SMB2_FLAGS_SIGNED) &&
	    (!cfg->after_session || c->session_up) &&
	    (cfg->command < 0 || (unsigned)cfg->command == cmd)) {
		h[SMB2_SIGNATURE] ^= 0x5a;
		c->corrupted++;
		fprintf(stderr, "faulty-proxy: conn %d: %s mid %llu status 0x%08X: signature corrupted\n",
			c->id, cmd_name(cmd), (unsigned long long)get64(h + SMB2_MID), status);
	}
	if (cmd == SMB2_SESSION_SETUP && status == 0)
		c->session_up = true;
	return len;
}

/*
 * One whole frame (NetBIOS header included) in a buffer of cap bytes: alter what the options
 * say (SERVER_TO_REDIR tells the direction).  Returns its new length.
 */
static size_t alter_frame(const struct config *cfg, struct conn *c, unsigned char *f, size_t len,
			  size_t cap)
{
	unsigned char *m = f + NB_HDR_LEN;
	size_t mlen = len - NB_HDR_LEN, off = 0, end;
	uint32_t next;

	if (len < NB_HDR_LEN + SMB2_HDR_LEN || f[0] != NB_SESSION_MSG)
		return len; /* keepalive, session request answers, runts */
	if (m[0] != 0xfe || memcmp(m + 1, "SMB", 3))
		return len; /* SMB1 (0xFF), transform (0xFD: encrypted), compressed (0xFC) */
	for (;;) {
		next = get32(m + off + SMB2_NEXT);
		/* a malformed NextCommand ends the walk: the client will judge the rest */
		if (next && (next < SMB2_HDR_LEN || next > mlen - off ||
			     mlen - off - next < SMB2_HDR_LEN))
			next = 0;
		end = off + alter_msg(cfg, c, m + off, mlen - off, cap - NB_HDR_LEN - off, !next);
		if (!next) {
			mlen = end;
			break;
		}
		off += next;
	}
	put_nb_len(f, mlen);
	return NB_HDR_LEN + mlen;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One direction: whole frames only, each altered before it goes on. */
struct framer {
	unsigned char *buf;
	size_t got, need;
};

/* Read what is there from one side, pass whole frames to the other; -1 on EOF or error. */
static int pump(const struct config *cfg, struct conn *c, struct framer *fr, int from, int to)
{
	size_t want = fr->need ? fr->need : NB_HDR_LEN, len;
	ssize_t n;

	n = read(from, fr->buf + fr->got, want - fr->got);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1;
	fr->got += (size_t)n;
	if (fr->got < want)
		return 0;
	if (!fr->need) {
		fr->need = NB_HDR_LEN + ((size_t)fr->buf[1] << 16 | (size_t)fr->buf[2] << 8 |
					 fr->buf[3]);
		if (fr->need > NB_HDR_LEN)
			return 0;
	}
	len = alter_frame(cfg, c, fr->buf, fr->got, NB_HDR_LEN + NB_MAX_LEN);
	fr->got = fr->need = 0;
	return write_all(to, fr->buf, len);
}

/* Both directions until either side closes. */
static void relay(const struct config *cfg, struct conn *c, int cfd, int sfd)
{
	struct framer up = { .buf = malloc(NB_HDR_LEN + NB_MAX_LEN) };
	struct framer down = { .buf = malloc(NB_HDR_LEN + NB_MAX_LEN) };
	struct pollfd pfd[2] = { { .fd = cfd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };

	while (up.buf && down.buf && !stop) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents && pump(cfg, c, &up, cfd, sfd))
			break;
		if (pfd[1].revents && pump(cfg, c, &down, sfd, cfd))
			break;
	}
	free(up.buf);
	free(down.buf);
}

static int connect_to(const struct sockaddr_in *sin)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)sin, sizeof(*sin))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void serve_conn(const struct config *cfg, int id, int cfd, const struct sockaddr_in *to)
{
	struct conn c = { .id = id };
	int sfd;

	prctl(PR_SET_PDEATHSIG, SIGKILL); /* the proxy's children go with it */
	sfd = connect_to(to);
	if (sfd < 0) {
		fprintf(stderr, "faulty-proxy: conn %d: connect to the server: %s\n", id,
			strerror(errno));
		return;
	}
	fprintf(stderr, "faulty-proxy: conn %d: open\n", id);
	relay(cfg, &c, cfd, sfd);
	fprintf(stderr, "faulty-proxy: conn %d: closed (%u signatures corrupted, %u rewritten)\n",
		id, c.corrupted, c.rewritten);
	close(sfd);
}

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
	/* No SA_RESTART: accept() and poll() must see stop. */
	if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL))
		return -1;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN); /* no zombies */
	return 0;
}

static int serve(const struct config *cfg, int lfd, const struct sockaddr_in *to)
{
	int cfd, id = 0;
	pid_t pid;

	while (!stop) {
		cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("faulty-proxy: accept");
			return 1;
		}
		pid = fork();
		id++;
		if (pid == 0) {
			close(lfd);
			serve_conn(cfg, id, cfd, to);
			_exit(0);
		}
		if (pid < 0)
			perror("faulty-proxy: fork");
		close(cfd);
	}
	return 0;
}

static int listen_on(const struct sockaddr_in *sin)
{
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (const struct sockaddr *)sin, sizeof(*sin)) || listen(fd, 16)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int parse_addr(const char *s, struct sockaddr_in *sin)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 0 || port > 65535)
		return -1;
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -1;
}

static int parse_number(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	return errno || *end || end == s || *v > max ? -1 : 0;
}

static int parse_command(const char *s)
{
	unsigned long v;

	if (!strcmp(s, "negotiate"))
		return SMB2_NEGOTIATE;
	if (!strcmp(s, "session_setup"))
		return SMB2_SESSION_SETUP;
	if (!strcmp(s, "tree_connect"))
		return SMB2_TREE_CONNECT;
	return parse_number(s, 0xffff, &v) ? -1 : (int)v;
}

/* Options into cfg; returns the index of the first address, or -1. */
static int parse_options(int argc, char **argv, struct config *cfg)
{
	unsigned long v;
	int i;

	*cfg = (struct config){ .command = -1, .secmode = -1 };
	for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i++) {
		const char *o = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--corrupt-signatures")) {
			cfg->corrupt = true;
		} else if (!strcmp(o, "--corrupt-request-signatures")) {
			cfg->corrupt_requests = true;
		} else if (!strcmp(o, "--after-session")) {
			cfg->after_session = true;
		} else if (!strcmp(o, "--command") && arg) {
			cfg->command = parse_command(arg);
			if (cfg->command < 0)
				return -1;
			i++;
		} else if (!strcmp(o, "--session-status") && arg) {
			if (parse_number(arg, 0xffffffff, &v) || !v)
				return -1;
			cfg->session_status = (uint32_t)v;
			i++;
		} else if (!strcmp(o, "--negotiate-secmode") && arg) {
			if (parse_number(arg, 0xffff, &v))
				return -1;
			cfg->secmode = (int)v;
			i++;
		} else {
			return -1;
		}
	}
	return i;
}

static int selftest(void);

int main(int argc, char **argv)
{
	struct sockaddr_in from, to;
	struct config cfg;
	int i, lfd, ret;

	if (argc == 2 && !strcmp(argv[1], "--selftest"))
		return selftest();
	i = parse_options(argc, argv, &cfg);
	if (i < 0 || i + 2 != argc || parse_addr(argv[i], &from) || parse_addr(argv[i + 1], &to)) {
		fprintf(stderr,
			"usage: %s [--corrupt-signatures [--after-session]] [--corrupt-request-signatures]\n"
			"       [--command CMD] [--session-status HEX] [--negotiate-secmode HEX]\n"
			"       LISTEN:PORT TARGET:PORT\n"
			"       %s --selftest\n", argv[0], argv[0]);
		return 2;
	}
	/* Started in the background by a scenario: go when it goes. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		return 1;
	if (install_signals()) {
		perror("faulty-proxy: sigaction");
		return 1;
	}
	lfd = listen_on(&from);
	if (lfd < 0) {
		fprintf(stderr, "faulty-proxy: listen on %s: %s\n", argv[i], strerror(errno));
		return 1;
	}
	fprintf(stderr, "faulty-proxy: %s -> %s:%s%s%s%s%s%s\n", argv[i], argv[i + 1],
		cfg.corrupt ? " corrupt-signatures" : "", cfg.after_session ? " after-session" : "",
		cfg.corrupt_requests ? " corrupt-request-signatures" : "",
		cfg.command >= 0 ? " command" : "", cfg.session_status ? " session-status" : "",
		cfg.secmode >= 0 ? " negotiate-secmode" : "");
	ret = serve(&cfg, lfd, &to);
	close(lfd);
	fprintf(stderr, "faulty-proxy: stopped\n");
	return ret;
}

/* ---- --selftest: crafted frames through a real proxy process, over loopback ---- */

#define T_MAX 1024

static int t_num, t_failed;

static void t_ok(bool ok, const char *name)
{
	printf("%sok %d - %s\n", ok ? "" : "not ", ++t_num, name);
	if (!ok)
		t_failed++;
}

/*
 * An SMB2 message at m: a header and body_len bytes of body (the first two: StructureSize),
 * a signature of 0x11 bytes when signed.  Returns its length.
 */
static size_t t_msg(unsigned char *m, unsigned cmd, uint32_t status, uint32_t flags,
		    uint32_t next, size_t body_len)
{
	memset(m, 0, SMB2_HDR_LEN + body_len);
	m[0] = 0xfe;
	memcpy(m + 1, "SMB", 3);
	put16(m + 4, SMB2_HDR_LEN);
	put32(m + SMB2_STATUS, status);
	put16(m + SMB2_COMMAND, (uint16_t)cmd);
	put32(m + SMB2_FLAGS, flags);
	put32(m + SMB2_NEXT, next);
	put32(m + SMB2_MID, 7);
	if (flags & SMB2_FLAGS_SIGNED)
		memset(m + SMB2_SIGNATURE, 0x11, SMB2_SIG_LEN);
	if (body_len >= 2)
		put16(m + SMB2_HDR_LEN, (uint16_t)(body_len | 1));
	for (size_t i = 2; i < body_len; i++)
		m[SMB2_HDR_LEN + i] = (unsigned char)(0xa0 + i);
	return SMB2_HDR_LEN + body_len;
}

/* A frame of one message; returns its length. */
static size_t t_frame(unsigned char *f, unsigned cmd, uint32_t status, uint32_t flags,
		      size_t body_len)
{
	size_t n = t_msg(f + NB_HDR_LEN, cmd, status, flags, 0, body_len);

	f[0] = NB_SESSION_MSG;
	put_nb_len(f, n);
	return NB_HDR_LEN + n;
}

static int t_listen(struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int fd;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = listen_on(sin);
	if (fd >= 0 && getsockname(fd, (struct sockaddr *)sin, &len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read exactly len bytes, or fewer if the peer stays quiet for ms milliseconds. */
static size_t t_read_for(int fd, unsigned char *p, size_t len, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	while (got < len && poll(&pfd, 1, ms) > 0) {
		n = read(fd, p + got, len - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

static size_t t_read(int fd, unsigned char *p, size_t len)
{
	return t_read_for(fd, p, len, 2000);
}

/* Nothing more than what was read: the proxy neither adds nor withholds bytes. */
static bool t_quiet(int fd)
{
	unsigned char b;

	return t_read_for(fd, &b, 1, 100) == 0;
}

struct t_link {
	pid_t proxy;
	int client, server;	/* our ends: the client's socket, the accepted server side */
};

/* A proxy process with cfg, a client connected through it, the server side accepted. */
static int t_open(const struct config *cfg, struct t_link *l)
{
	struct sockaddr_in up, px;
	int ufd, pfd;

	ufd = t_listen(&up);
	pfd = t_listen(&px);
	if (ufd < 0 || pfd < 0)
		return -1;
	l->proxy = fork();
	if (l->proxy == 0) {
		close(ufd);
		signal(SIGCHLD, SIG_IGN);
		_exit(serve(cfg, pfd, &up));
	}
	close(pfd);
	l->client = connect_to(&px);
	l->server = accept4(ufd, NULL, NULL, SOCK_CLOEXEC);
	close(ufd);
	return l->proxy > 0 && l->client >= 0 && l->server >= 0 ? 0 : -1;
}

static void t_close(struct t_link *l)
{
	close(l->client);
	close(l->server);
	kill(l->proxy, SIGKILL);
	waitpid(l->proxy, NULL, 0);
}

/*
 * Send frame in (in pieces of step bytes: the proxy must reassemble) from the server side;
 * the client must get exactly want.
 */
static bool t_through(struct t_link *l, const unsigned char *in, size_t in_len,
		      const unsigned char *want, size_t want_len, size_t step)
{
	unsigned char got[T_MAX];
	size_t off, n;

	for (off = 0; off < in_len; off += n) {
		n = in_len - off < step ? in_len - off : step;
		if (write_all(l->server, in + off, n))
			return false;
		if (step < in_len)
			usleep(2000);
	}
	n = t_read(l->client, got, want_len);
	return n == want_len && !memcmp(got, want, want_len) && t_quiet(l->client);
}

/* The same frame must come out unchanged. */
static bool t_same(struct t_link *l, const unsigned char *f, size_t len)
{
	return t_through(l, f, len, f, len, len);
}

static void t_passthrough(void)
{
	struct config cfg = { .command = -1, .secmode = -1 };
	unsigned char f[T_MAX], g[T_MAX];
	struct t_link l;
	size_t n;

	if (t_open(&cfg, &l)) {
		t_ok(false, "pass-through: proxy up");
		return;
	}
	n = t_frame(f, SMB2_TREE_CONNECT, 0, SMB2_FLAGS_SERVER_TO_REDIR | SMB2_FLAGS_SIGNED, 16);
	t_ok(t_through(&l, f, n, f, n, 1), "pass-through: a signed response, byte by byte");
	n = t_frame(f, SMB2_SESSION_SETUP, 0, SMB2_FLAGS_SERVER_TO_REDIR | SMB2_FLAGS_SIGNED, 9);
	t_ok(t_same(&l, f, n), "pass-through: the final session setup");
	/* the client's bytes go to the server as they are */
	n = t_frame(f, SMB2_NEGOTIATE, 0, 0, 36);
	t_ok(!write_all(l.client, f, n) && t_read(l.server, g, n) == n && !memcmp(f, g, n) &&
	     t_quiet(l.server), "pass-through: a request, client to server");
	t_close(&l);
}

static void t_corrupt(void)
{
	struct config cfg = { .corrupt = true, .command = -1, .secmode = -1 };
	unsigned char f[T_MAX], w[T_MAX];
	uint32_t rsp = SMB2_FLAGS_SERVER_TO_REDIR, next;
	struct t_link l;
	size_t n, m;

	if (t_open(&cfg, &l)) {
		t_ok(false, "corrupt: proxy up");
		return;
	}
	n = t_frame(f, SMB2_TREE_CONNECT, 0, rsp | SMB2_FLAGS_SIGNED, 16);
	memcpy(w, f, n);
	w[NB_HDR_LEN + SMB2_SIGNATURE] ^= 0x5a;
	t_ok(t_through(&l, f, n, w, n, 5), "corrupt: one byte of a signed response's signature");
	n = t_frame(f, SMB2_SESSION_SETUP, 0, rsp | SMB2_FLAGS_SIGNED, 9);
	memcpy(w, f, n);
	w[NB_HDR_LEN + SMB2_SIGNATURE] ^= 0x5a;
	t_ok(t_through(&l, f, n, w, n, n),
	     "corrupt: the final session setup too, without --after-session");
	n = t_frame(f, SMB2_TREE_CONNECT, 0, rsp, 16);
	t_ok(t_same(&l, f, n), "corrupt: an unsigned response passes");
	/* a compound: both signed messages corrupted, the unsigned one in the middle not */
	f[0] = NB_SESSION_MSG;
	next = SMB2_HDR_LEN + 24;
	m = t_msg(f + NB_HDR_LEN, 5, 0, rsp | SMB2_FLAGS_SIGNED, next, 24);
	m += t_msg(f + NB_HDR_LEN + m, 16, 0, rsp, next, 24);
	m += t_msg(f + NB_HDR_LEN + m, 6, 0, rsp | SMB2_FLAGS_SIGNED, 0, 20);
	put_nb_len(f, m);
	n = NB_HDR_LEN + m;
	memcpy(w, f, n);
	w[NB_HDR_LEN + SMB2_SIGNATURE] ^= 0x5a;
	w[NB_HDR_LEN + 2 * next + SMB2_SIGNATURE] ^= 0x5a;
	t_ok(t_through(&l, f, n, w, n, 7), "corrupt: each signed message of a compound");
	/* encrypted: the transform header's signature is not ours */
	n = t_frame(f, SMB2_TREE_CONNECT, 0, rsp | SMB2_FLAGS_SIGNED, 32);
	f[NB_HDR_LEN] = 0xfd;
	t_ok(t_same(&l, f, n), "corrupt: an encrypted message passes");
	n = t_frame(f, SMB2_TREE_CONNECT, 0, rsp | SMB2_FLAGS_SIGNED, 32);
	f[NB_HDR_LEN] = 0xff;
	t_ok(t_same(&l, f, n), "corrupt: SMB1 passes");
	n = t_frame(f, SMB2_TREE_CONNECT, 0, SMB2_FLAGS_SIGNED, 16);
	t_ok(t_same(&l, f, n), "corrupt: a message without SERVER_TO_REDIR passes");
	f[0] = 0x85; /* NetBIOS keepalive */
	f[1] = f[2] = f[3] = 0;
	t_ok(t_same(&l, f, NB_HDR_LEN), "corrupt: a NetBIOS keepalive passes");
	t_close(&l);
}

static void t_after_session(void)
{
	struct config cfg = { .corrupt = true, .after_session = true, .command = -1, .secmode = -1 };
	uint32_t rsp = SMB2_FLAGS_SERVER_TO_REDIR | SMB2_FLAGS_SIGNED;
	unsigned char f[T_MAX], w[T_MAX];
	struct t_link l;
	size_t n;

	if (t_open(&cfg, &l)) {
		t_ok(false, "after-session: proxy up");
		return;
	}
	n = t_frame(f, SMB2_SESSION_SETUP, 0xC0000016, rsp, 40); /* MORE_PROCESSING_REQUIRED */
	t_ok(t_same(&l, f, n), "after-session: a session setup leg passes");
	n = t_frame(f, SMB2_SESSION_SETUP, 0, rsp, 9);
	t_ok(t_same(&l, f, n), "after-session: the final session setup passes");
	n = t_frame(f, SMB2_TREE_CONNECT, 0, rsp, 16);
	memcpy(w, f, n);
	w[NB_HDR_LEN + SMB2_SIGNATURE] ^= 0x5a;
	t_ok(t_through(&l, f, n, w, n, n), "after-session: the tree connect after it is corrupted");
	t_close(&l);
}

static void t_command(void)
{
	struct config cfg = { .corrupt = true, .command = SMB2_TREE_CONNECT, .secmode = -1 };
	uint32_t rsp = SMB2_FLAGS_SERVER_TO_REDIR | SMB2_FLAGS_SIGNED;
	unsigned char f[T_MAX], w[T_MAX];
	struct t_link l;
	size_t n;

	if (t_open(&cfg, &l)) {
		t_ok(false, "command: proxy up");
		return;
	}
	n = t_frame(f, SMB2_SESSION_SETUP, 0, rsp, 9);
	t_ok(t_same(&l, f, n), "command tree_connect: the session setup passes");
	n = t_frame(f, SMB2_TREE_CONNECT, 0, rsp, 16);
	memcpy(w, f, n);
	w[NB_HDR_LEN + SMB2_SIGNATURE] ^= 0x5a;
	t_ok(t_through(&l, f, n, w, n, n), "command tree_connect: the tree connect is corrupted");
	n = t_frame(f, 16, 0, rsp, 16); /* QUERY_INFO */
	t_ok(t_same(&l, f, n), "command tree_connect: a later query passes");
	t_close(&l);
}

static void t_session_status(void)
{
	struct config cfg = { .session_status = 0xC0000022, .command = -1, .secmode = -1 };
	uint32_t rsp = SMB2_FLAGS_SERVER_TO_REDIR;
	unsigned char f[T_MAX], w[T_MAX];
	struct t_link l;
	size_t n, wn;

	if (t_open(&cfg, &l)) {
		t_ok(false, "session-status: proxy up");
		return;
	}
	n = t_frame(f, SMB2_NEGOTIATE, 0, rsp, 64);
	t_ok(t_same(&l, f, n), "session-status: the negotiate passes");
	n = t_frame(f, SMB2_SESSION_SETUP, 0xC0000016, rsp, 40);
	t_ok(t_same(&l, f, n), "session-status: MORE_PROCESSING_REQUIRED passes");
	/* the final one, signed, with a security blob: an unsigned 9-byte error response */
	n = t_frame(f, SMB2_SESSION_SETUP, 0, rsp | SMB2_FLAGS_SIGNED, 8 + 29);
	wn = t_frame(w, SMB2_SESSION_SETUP, 0xC0000022, rsp, SMB2_ERROR_BODY_LEN);
	memset(w + NB_HDR_LEN + SMB2_HDR_LEN + 2, 0, SMB2_ERROR_BODY_LEN - 2);
	t_ok(t_through(&l, f, n, w, wn, 3),
	     "session-status: STATUS_SUCCESS becomes an unsigned error response of that status");
	n = t_frame(f, SMB2_TREE_CONNECT, 0, rsp, 16);
	t_ok(t_same(&l, f, n), "session-status: other commands pass");
	t_close(&l);
	/* smbd's own: no security blob, 72 bytes, one short of an error response */
	if (t_open(&cfg, &l)) {
		t_ok(false, "session-status: proxy up");
		return;
	}
	n = t_frame(f, SMB2_SESSION_SETUP, 0, rsp | SMB2_FLAGS_SIGNED, 8);
	t_ok(t_through(&l, f, n, w, wn, n), "session-status: a 72-byte final answer grows to 73");
	t_close(&l);
}

static void t_secmode(void)
{
	struct config cfg = { .command = -1, .secmode = 0 };
	uint32_t rsp = SMB2_FLAGS_SERVER_TO_REDIR;
	unsigned char f[T_MAX], w[T_MAX];
	struct t_link l;
	size_t n;

	if (t_open(&cfg, &l)) {
		t_ok(false, "negotiate-secmode: proxy up");
		return;
	}
	n = t_frame(f, SMB2_NEGOTIATE, 0, rsp, 64);
	put16(f + NB_HDR_LEN + SMB2_NEG_SECMODE, 0x3);
	memcpy(w, f, n);
	put16(w + NB_HDR_LEN + SMB2_NEG_SECMODE, 0);
	t_ok(t_through(&l, f, n, w, n, n), "negotiate-secmode: SecurityMode 3 -> 0");
	n = t_frame(f, SMB2_SESSION_SETUP, 0, rsp | SMB2_FLAGS_SIGNED, 9);
	t_ok(t_same(&l, f, n), "negotiate-secmode: the session setup passes");
	t_close(&l);
}

static void t_requests(void)
{
	struct config cfg = { .corrupt_requests = true, .command = -1, .secmode = -1 };
	unsigned char f[T_MAX], w[T_MAX], g[T_MAX];
	struct t_link l;
	size_t n;

	if (t_open(&cfg, &l)) {
		t_ok(false, "corrupt requests: proxy up");
		return;
	}
	n = t_frame(f, SMB2_TREE_CONNECT, 0, SMB2_FLAGS_SIGNED, 40);
	memcpy(w, f, n);
	w[NB_HDR_LEN + SMB2_SIGNATURE] ^= 0x5a;
	t_ok(!write_all(l.client, f, 9) && !usleep(2000) && !write_all(l.client, f + 9, n - 9) &&
	     t_read(l.server, g, n) == n && !memcmp(g, w, n) && t_quiet(l.server),
	     "corrupt requests: a signed request, in two pieces");
	n = t_frame(f, SMB2_SESSION_SETUP, 0, 0, 40);
	t_ok(!write_all(l.client, f, n) && t_read(l.server, g, n) == n && !memcmp(g, f, n) &&
	     t_quiet(l.server), "corrupt requests: an unsigned request passes");
	n = t_frame(f, SMB2_TREE_CONNECT, 0, SMB2_FLAGS_SERVER_TO_REDIR | SMB2_FLAGS_SIGNED, 16);
	t_ok(t_same(&l, f, n), "corrupt requests: a signed response passes");
	t_close(&l);
}

static void t_options(void)
{
	char *good[] = { "p", "--corrupt-signatures", "--after-session", "--command",
			 "tree_connect", "1.2.3.4:445", "5.6.7.8:445" };
	char *bad_status[] = { "p", "--session-status", "nope", "a:1", "b:2" };
	char *bad_cmd[] = { "p", "--command", "-3", "a:1", "b:2" };
	struct sockaddr_in sin;
	struct config cfg;

	t_ok(parse_options(7, good, &cfg) == 5 && cfg.corrupt && cfg.after_session &&
	     cfg.command == SMB2_TREE_CONNECT && !cfg.session_status && cfg.secmode == -1,
	     "options: the corrupting ones");
	t_ok(parse_options(5, bad_status, &cfg) < 0, "options: a status that is no number");
	t_ok(parse_options(5, bad_cmd, &cfg) < 0, "options: a command that is none");
	t_ok(!parse_addr("127.0.0.3:445", &sin) && ntohs(sin.sin_port) == 445 &&
	     ntohl(sin.sin_addr.s_addr) == 0x7f000003, "options: ADDR:PORT");
	t_ok(parse_addr("127.0.0.3", &sin) && parse_addr("x:445", &sin) &&
	     parse_addr("127.0.0.1:99999", &sin), "options: bad addresses");
}

static int selftest(void)
{
	signal(SIGPIPE, SIG_IGN);
	alarm(60); /* a proxy that hangs fails the test instead of blocking it */
	t_options();
	t_passthrough();
	t_corrupt();
	t_after_session();
	t_command();
	t_session_status();
	t_secmode();
	t_requests();
	printf("1..%d\n", t_num); /* at the end: a crash on the way leaves no plan */
	fflush(stdout);
	return t_failed ? 1 : 0;
}
