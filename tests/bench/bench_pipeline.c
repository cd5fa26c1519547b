// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark (figures, not pass/fail): the agent's pipeline on a synthetic
 * stream shaped like a busy SMB client: many mounts to many servers, most of
 * them fine, some failing, with the TCP chatter of each.
 *
 *   bench_pipeline MOUNTS FILE   writes FILE (a recording) and times the
 *                                correlator+classifier on it in-process
 * The full binary path (reader, pipeline, JSON output) is timed by
 * scripts/bench.sh with smbwatch --replay FILE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../unit/event_builders.h"
#include "correlator.h"
#include "ntstatus.h"
#include "recfile.h"

static uint64_t diagnoses;

static void count(void *ctx, const struct diagnosis *d)
{
	(void)ctx;
	(void)d;
	diagnoses++;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One mount: connect, negotiate, session, IPC$ and share; every 10th fails somewhere. */
static int mount_events(struct smbw_event *ev, int i)
{
	uint64_t t = (uint64_t)i * 3 * MS, srv = 0x10000 + (uint64_t)i * 64;
	uint64_t sock = 0x900000 + (uint64_t)(i % 4096) * 64;
	uint32_t pid = 1000 + (uint32_t)i;
	struct smbw_addr a = ipv4(10, 1, (uint8_t)(i >> 8), (uint8_t)i, 445);
	int n = 0;

	ev[n++] = ev_tcp(EV_TCP_STATE_CHANGE, t, sock, a, 7, 2, pid);
	ev[n++] = ev_tcp(EV_TCP_STATE_CHANGE, t + 100000, sock, a, 2, 1, 0);
	ev[n++] = ev_server(t + 200000, pid, srv, sock, "fs", a, 0);
	ev[n++] = ev_phase(EV_SMB_NEGOTIATE_DONE, t + 300000, pid, srv, 0);
	ev[n++] = ev_status(t + 400000, pid, 1, NT_STATUS_MORE_PROCESSING_REQUIRED, -EREMOTEIO);
	if (i % 10 == 3) {
		ev[n++] = ev_status(t + 500000, pid, 1, NT_STATUS_LOGON_FAILURE, -EACCES);
		ev[n++] = ev_phase(EV_SMB_SESSION_SETUP_DONE, t + 600000, pid, srv, -EACCES);
	} else {
		ev[n++] = ev_phase(EV_SMB_SESSION_SETUP_DONE, t + 600000, pid, srv, 0);
		ev[n++] = ev_tree(t + 700000, pid, srv, "\\\\fs\\IPC$", 0);
		ev[n++] = ev_tree(t + 800000, pid, srv, "\\\\fs\\data", i % 10 == 7 ? -ENOENT : 0);
	}
	ev[n++] = ev_tcp(EV_TCP_STATE_CHANGE, t + 900000, sock, a, 1, 4, 0);
	ev[n++] = ev_tcp(EV_TCP_STATE_CHANGE, t + 1000000, sock, a, 4, 7, 0);
	return n;
}

int main(int argc, char **argv)
{
	int mounts = argc > 1 ? atoi(argv[1]) : 100000;
	const char *path = argc > 2 ? argv[2] : "/tmp/smbw-bench.rec";
	struct smbw_event ev[16];
	struct rec_writer w;
	struct correlator *c;
	struct rusage ru;
	uint64_t events = 0;
	char err[256];
	double t0, t1;

	unlink(path);
	if (rec_writer_open(&w, path, 0, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	c = correlator_new(NULL, count, NULL);
	t0 = now_s();
	for (int i = 0; i < mounts; i++) {
		int n = mount_events(ev, i);

		for (int k = 0; k < n; k++)
			correlator_feed(c, &ev[k]);
		events += (uint64_t)n;
	}
	correlator_finish(c);
	t1 = now_s();
	correlator_free(c);
	for (int i = 0; i < mounts; i++) {
		int n = mount_events(ev, i);

		for (int k = 0; k < n; k++)
			rec_writer_put(&w, &ev[k]);
	}
	rec_writer_close(&w);
	getrusage(RUSAGE_SELF, &ru);
	printf("correlator+classifier: %llu events (%d mounts) in %.3f s: %.0f events/s, "
	       "%.2f us/event, %llu diagnoses, peak RSS %ld KiB\n",
	       (unsigned long long)events, mounts, t1 - t0, events / (t1 - t0),
	       (t1 - t0) * 1e6 / events, (unsigned long long)diagnoses, ru.ru_maxrss);
	printf("recording: %s\n", path);
	return 0;
}
