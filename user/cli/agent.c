// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "agent.h"
#include "journal.h"
#include "loader.h"
#include "output.h"
#include "pipeline.h"
#include "privileges.h"
#include "probe.h"
#include "recfile.h"
#include "version.h"

#define POLL_MS 200
#define CIFS_CHECK_NS 1000000000ull /* look for cifs.ko once a second */
#define METRICS_NS 5000000000ull    /* rewrite the metrics file every 5 s */

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int verbosity;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && verbosity < 2)
		return 0;
	if (level == LIBBPF_INFO && verbosity < 1)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	fputs("smbwatch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static enum output_format resolve_format(enum output_format f)
{
	if (f != FORMAT_AUTO)
		return f;
	if (journal_is_stderr())
		return FORMAT_JOURNAL; /* started by systemd: structured entries */
	return isatty(STDOUT_FILENO) ? FORMAT_TEXT : FORMAT_JSON;
}

static bool resolve_color(const struct options *o, enum output_format f)
{
	if (f != FORMAT_TEXT || o->color == COLOR_NEVER)
		return false;
	if (o->color == COLOR_ALWAYS)
		return true;
	return isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
}

/* Everything that must hold before any BPF call, each with what to do about it. */
static int preflight(void)
{
	char why[128];
	struct utsname u;
	int r;

	if (probe_privileges(why, sizeof(why))) {
		fail("%s: run it as root (sudo smbwatch), or grant CAP_BPF, CAP_PERFMON and "
		     "CAP_SYS_ADMIN",
		     why);
		return -EPERM;
	}
	uname(&u);
	if (!probe_vmlinux_btf()) {
		fail("kernel %s has no BTF (/sys/kernel/btf/vmlinux is missing): boot a kernel "
		     "built with CONFIG_DEBUG_INFO_BTF=y (Debian, Ubuntu, Fedora, RHEL 8.2+ have it)",
		     u.release);
		return -ENOENT;
	}
	r = probe_ringbuf();
	if (r < 0) {
		fail("the kernel refuses BPF to smbwatch here (%s): check kernel lockdown, "
		     "kernel.unprivileged_bpf_disabled, and seccomp or LSM policies",
		     strerror(-r));
		return r;
	}
	if (r == 0) {
		fail("kernel %s has no BPF ring buffer: Linux 5.8 or newer is needed, built with "
		     "CONFIG_BPF_SYSCALL",
		     u.release);
		return -ENOTSUP;
	}
	return 0;
}

struct live {
	const struct options *opts;
	struct loader *loader;
	struct ring_buffer *rb;
	struct pipeline pipe;
	struct output out;
	struct rec_writer rec;
	uint64_t drops_reported;
	uint64_t drops_seen, drops_checked_ns; /* told to the pipeline (EV_EVENTS_LOST) */
	uint64_t received; /* records the ring buffer handed over, valid or not */
	uint64_t read_bytes; /* ring buffer bytes taken by the current read */
	uint64_t ring_peak;  /* the most taken by one read: how full the ring got (-v at stop) */
	uint64_t watchdog_ns;
	bool cifs_attached;
	int fatal;
	struct metrics metrics; /* --metrics-file */
	int metrics_errno;      /* of the last failed write: told once, not every 5 s */
};

static void metrics_agent_from_pipeline(struct metrics_agent *a, const struct pipeline *p)
{
	static struct utsname u;

	uname(&u);
	a->version = SMBWATCH_VERSION;
	a->kernel = u.release;
	a->events = p->events;
	a->malformed = p->malformed;
	a->unknown = p->unknown;
}

/* The metrics file, whole, now: 0 or -errno (told once per kind of failure). */
static int write_metrics(const char *path, const struct metrics *m, const struct metrics_agent *a,
			 int *last_errno)
{
	struct strbuf sb;
	char err[512];
	int r;

	sb_init(&sb);
	metrics_format(&sb, m, a);
	r = metrics_write_file(path, sb_str(&sb), err, sizeof(err));
	sb_free(&sb);
	if (r && -r != *last_errno)
		fail("%s", err);
	*last_errno = -r;
	return r;
}

static int live_metrics(struct live *lv)
{
	struct metrics_agent a = { 0 };
	static const char *const names[] = { "tcp", "kdc", "cifs" };

	if (!lv->opts->metrics_path)
		return 0;
	metrics_agent_from_pipeline(&a, &lv->pipe);
	a.dropped = lv->loader ? loader_drops(lv->loader) : 0;
	for (int i = 0; i < 3 && lv->loader; i++) {
		const struct loader_group *g = loader_group(lv->loader, names[i]);

		if (!g)
			continue;
		a.groups[a.ngroups].name = g->name;
		a.groups[a.ngroups].attached = g->attached;
		a.groups[a.ngroups].failed = g->failed;
		a.groups[a.ngroups].missing = g->absent_required;
		a.groups[a.ngroups].waiting = g->waiting;
		a.ngroups++;
	}
	return write_metrics(lv->opts->metrics_path, &lv->metrics, &a, &lv->metrics_errno);
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct live *lv = ctx;

	lv->received++;
	lv->read_bytes += ((size + 7) & ~(size_t)7) + 8; /* the kernel's 8-byte header, 8-aligned */
	if (pipeline_feed(&lv->pipe, data, size)) {
		lv->fatal = -EIO;
		return -EIO; /* stops ring_buffer__poll */
	}
	return 0;
}

/*
 * Losses go into the stream as they are found (each poll): the diagnoses
 * concluded after it whose evidence window overlaps say that evidence was lost,
 * live and in a replay of the recording alike.
 */
static void note_losses(struct live *lv, uint64_t now)
{
	uint64_t d = loader_drops(lv->loader);
	struct smbw_event e;

	if (d > lv->drops_seen) {
		memset(&e, 0, sizeof(e));
		e.abi = SMBW_ABI_VERSION;
		e.type = EV_EVENTS_LOST;
		e.ts_ns = now;
		e.session_id = lv->drops_checked_ns;
		e.conn_id = d - lv->drops_seen;
		lv->drops_seen = d;
		if (pipeline_feed(&lv->pipe, &e, SMBW_EVENT_BASE_LEN))
			lv->fatal = -EIO;
	}
	lv->drops_checked_ns = now;
}

static void report_drops(struct live *lv)
{
	uint64_t d = loader_drops(lv->loader);

	if (d > lv->drops_reported) {
		fail("%llu events lost: the ring buffer was full (now %llu in all); raise "
		     "--ringbuf-kb",
		     (unsigned long long)(d - lv->drops_reported), (unsigned long long)d);
		lv->drops_reported = d;
	}
}

/*
 * What is attached, said once at start and again when cifs.ko arrives: to
 * stderr, or as one journal entry (with the first line as the unit's status).
 */
static void announce(struct live *lv, const char *headline)
{
	struct strbuf sb;
	char caps[96];

	sb_init(&sb);
	sb_printf(&sb, "smbwatch: %s\n", headline);
	loader_describe(lv->loader, &sb, lv->opts->verbose > 0);
	privileges_describe(caps, sizeof(caps));
	if (lv->opts->verbose)
		sb_printf(&sb, "smbwatch: capabilities kept: %s\n", caps);
	if (lv->out.format == FORMAT_JOURNAL)
		journal_startup(sb_str(&sb));
	else
		fputs(sb_str(&sb), stderr);
	service_notify_status(headline);
	sb_free(&sb);
}

/* Once cifs.ko is attached nothing more will be loaded: no capability is needed any more. */
static void shed_privileges(struct live *lv)
{
	const struct loader_group *g = loader_group(lv->loader, "cifs");

	lv->cifs_attached = g && g->loaded;
	if (privileges_drop(!lv->cifs_attached))
		fail("could not drop capabilities: %s", strerror(errno));
}

static void check_cifs(struct live *lv)
{
	char err[256];
	int r = loader_poll_cifs(lv->loader, err, sizeof(err));

	if (r < 0)
		fail("%s", err);
	if (r != 0) {
		shed_privileges(lv);
		announce(lv, "cifs.ko appeared: hooks attached");
	}
}

static int live_loop(struct live *lv)
{
	uint64_t start = now_ns(CLOCK_MONOTONIC), last_cifs = 0, last_ping = 0, last_metrics = start;
	uint64_t now;
	uint64_t limit = (uint64_t)(lv->opts->duration * 1e9);
	int err;

	while (!stop_requested && !lv->fatal) {
		err = ring_buffer__poll(lv->rb, POLL_MS);
		/* TCP records are submitted without a wakeup (event_submit_lazy): read them now */
		if (err == 0)
			err = ring_buffer__consume(lv->rb);
		if (lv->read_bytes > lv->ring_peak)
			lv->ring_peak = lv->read_bytes;
		lv->read_bytes = 0;
		if (err < 0 && err != -EINTR) {
			if (lv->fatal)
				break;
			fail("reading the ring buffer failed: %s", strerror(-err));
			return err;
		}
		now = now_ns(CLOCK_MONOTONIC);
		note_losses(lv, now);
		if (now - last_cifs >= CIFS_CHECK_NS) {
			if (!lv->cifs_attached)
				check_cifs(lv);
			report_drops(lv);
			last_cifs = now;
		}
		if (lv->watchdog_ns && now - last_ping >= lv->watchdog_ns / 2) {
			service_watchdog_ping();
			last_ping = now;
		}
		pipeline_tick(&lv->pipe, now);
		if (now - last_metrics >= METRICS_NS) {
			live_metrics(lv);
			last_metrics = now;
		}
		if (lv->out.write_errors) {
			/* e.g. the reader of a pipe went away: nobody sees the diagnoses any more */
			fail("cannot write the output: %s", strerror(lv->out.last_errno));
			return -EIO;
		}
		if (limit && now - start >= limit)
			break;
	}
	/* Drain what the kernel already wrote: stopping must not lose evidence. */
	if (!lv->fatal)
		ring_buffer__consume(lv->rb);
	if (lv->fatal) {
		fail("cannot write the recording: %s; stopped so that nothing is lost unnoticed",
		     strerror(-lv->fatal));
		return lv->fatal;
	}
	return 0;
}

static void startup_headline(char *buf, size_t n, const struct options *o)
{
	struct utsname u;
	size_t len;

	uname(&u);
	len = (size_t)snprintf(buf, n, "smbwatch %s started on Linux %s, watching TCP ports",
			       SMBWATCH_VERSION, u.release);
	for (int i = 0; i < o->ports.n && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%u", i ? "," : " ",
					o->ports.ports[i]);
}

static int live_setup(struct live *lv, const struct options *o)
{
	struct loader_config cfg = {
		.ports = &o->ports,
		.ringbuf_kb = o->ringbuf_kb,
		.force_fallback = getenv("SMBWATCH_FORCE_FALLBACK") != NULL,
	};
	enum output_format f = resolve_format(o->format);
	int64_t offset = (int64_t)(now_ns(CLOCK_REALTIME) - now_ns(CLOCK_MONOTONIC));
	char err[256];

	output_init(&lv->out, f, resolve_color(o, f), o->verbose, stdout, offset);
	if (pipeline_init(&lv->pipe, &lv->out, o->events, &o->ports)) {
		fail("out of memory");
		return -ENOMEM;
	}
	if (o->metrics_path) {
		metrics_init(&lv->metrics, o->metrics_by_server, offset);
		lv->out.metrics = &lv->metrics;
	}
	if (pipeline_map_kernel_addresses(&lv->pipe)) {
		fail("no random bytes for the ids that stand for kernel addresses (getrandom and "
		     "/dev/urandom failed): refusing to print or record kernel addresses");
		return -EIO;
	}
	if (o->record_path) {
		if (rec_writer_open(&lv->rec, o->record_path, offset, err, sizeof(err))) {
			fail("%s", err);
			return -EIO;
		}
		lv->pipe.rec = &lv->rec;
	}
	lv->loader = loader_open(&cfg, err, sizeof(err));
	if (!lv->loader) {
		fail("%s", err);
		return -EINVAL;
	}
	lv->rb = ring_buffer__new(loader_ringbuf_fd(lv->loader), on_record, lv, NULL);
	if (!lv->rb) {
		fail("cannot open the ring buffer: %s", strerror(errno));
		return -errno;
	}
	if (loader_poll_cifs(lv->loader, err, sizeof(err)) < 0)
		fail("%s", err);
	shed_privileges(lv);
	startup_headline(err, sizeof(err), o);
	announce(lv, err);
	/* a metrics path that cannot be written is said now, before READY */
	if (live_metrics(lv))
		return -EIO;
	lv->watchdog_ns = service_watchdog_ns();
	service_notify_ready();
	return 0;
}

static void describe_pipeline(const struct pipeline *p, int verbose)
{
	char buf[512];

	if (!verbose)
		return;
	pipeline_describe(p, buf, sizeof(buf));
	fprintf(stderr, "smbwatch: %s\n", buf);
}

static void live_teardown(struct live *lv)
{
	uint64_t drops = lv->loader ? loader_drops(lv->loader) : 0;
	uint64_t attempts = lv->loader ? loader_attempts(lv->loader) : 0;

	ring_buffer__free(lv->rb);
	loader_close(lv->loader);
	if (lv->pipe.rec)
		rec_writer_close(&lv->rec);
	if (lv->pipe.malformed || lv->pipe.unknown)
		fail("%llu malformed and %llu unknown records skipped",
		     (unsigned long long)lv->pipe.malformed, (unsigned long long)lv->pipe.unknown);
	if (lv->loader) /* an agent that never started has nothing to count */
		fprintf(stderr, "smbwatch: stopped: %llu events, %llu dropped\n",
			(unsigned long long)lv->pipe.events, (unsigned long long)drops);
	/* every record the kernel tried to write is accounted for, or this says how many are not */
	if (lv->loader && attempts != lv->received + drops)
		fail("records: %llu attempted in the kernel, %llu received + %llu dropped: %lld "
		     "unaccounted for",
		     (unsigned long long)attempts, (unsigned long long)lv->received,
		     (unsigned long long)drops, (long long)(attempts - lv->received - drops));
	else if (lv->loader && lv->opts->verbose)
		fprintf(stderr,
			"smbwatch: records: %llu attempted in the kernel = %llu received + "
			"%llu dropped\n",
			(unsigned long long)attempts, (unsigned long long)lv->received,
			(unsigned long long)drops);
	if (lv->loader && lv->opts->verbose)
		fprintf(stderr, "smbwatch: ring buffer: at most %llu KiB waiting at a read, of %u KiB\n",
			(unsigned long long)(lv->ring_peak + 1023) / 1024, lv->opts->ringbuf_kb);
	describe_pipeline(&lv->pipe, lv->opts->verbose);
	pipeline_free(&lv->pipe);
	output_free(&lv->out);
}

int agent_run_live(const struct options *o)
{
	struct live lv = { .opts = o };
	int err;

	verbosity = o->verbose;
	libbpf_set_print(libbpf_print);
	if (preflight())
		return EXIT_RUNTIME;
	install_signals();
	err = live_setup(&lv, o);
	if (!err) {
		err = live_loop(&lv);
		/* nothing more comes once detached: what is in the ring is the last of it */
		loader_detach(lv.loader);
		if (!err && !lv.fatal) {
			ring_buffer__consume(lv.rb);
			note_losses(&lv, now_ns(CLOCK_MONOTONIC));
		}
		pipeline_finish(&lv.pipe);
		live_metrics(&lv); /* the final counts, after the last conclusions */
	}
	live_teardown(&lv);
	return err ? EXIT_RUNTIME : EXIT_OK;
}

int agent_run_replay(const struct options *o)
{
	enum output_format f = resolve_format(o->format);
	struct metrics_agent agent = { 0 };
	struct metrics metrics;
	struct pipeline pipe;
	struct rec_reader rd;
	int merr = 0, mrc = 0;
	struct smbw_event e;
	struct output out;
	char err[512];
	int r;

	if (rec_reader_open(&rd, o->replay_path, err, sizeof(err))) {
		fail("%s", err);
		return EXIT_RUNTIME;
	}
	output_init(&out, f, resolve_color(o, f), o->verbose, stdout, rd.realtime_offset_ns);
	if (pipeline_init(&pipe, &out, o->events, &o->ports)) {
		fail("out of memory");
		rec_reader_close(&rd);
		return EXIT_RUNTIME;
	}
	if (o->metrics_path) {
		metrics_init(&metrics, o->metrics_by_server, rd.realtime_offset_ns);
		out.metrics = &metrics;
	}
	while ((r = rec_reader_next(&rd, &e, err, sizeof(err))) == 1)
		pipeline_feed(&pipe, &e, sizeof(e));
	/* What was read before a bad record is still diagnosed and shown. */
	pipeline_finish(&pipe);
	if (o->metrics_path) {
		metrics_agent_from_pipeline(&agent, &pipe);
		mrc = write_metrics(o->metrics_path, &metrics, &agent, &merr);
	}
	describe_pipeline(&pipe, o->verbose);
	pipeline_free(&pipe);
	if (r < 0)
		fail("%s (%llu records before it were replayed)", err,
		     (unsigned long long)rd.records);
	rec_reader_close(&rd);
	output_free(&out);
	return r < 0 || mrc ? EXIT_RUNTIME : EXIT_OK;
}
