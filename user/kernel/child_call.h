/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs a function in a short-lived child process and brings back what it
 * made: a result of fixed size and open file descriptors (SCM_RIGHTS).
 *
 * Why: loading BPF parses the kernel's BTF and relocates the object (tens of
 * MiB of heap at the peak, freed but kept by malloc, and libbpf keeps parsed
 * copies of its own). Done in a child, all of it goes back to the system
 * when the child exits; the long-running agent only ever holds the few
 * descriptors that keep the programs attached and the maps readable.
 */
#ifndef SMBW_CHILD_CALL_H
#define SMBW_CHILD_CALL_H

#include <stddef.h>

#define CHILD_CALL_MAX_FDS 96

struct child_result {
	void *data; /* the result, len bytes: filled by the child, copied back */
	size_t len;
	int fds[CHILD_CALL_MAX_FDS]; /* the child's descriptors, open in the caller on return */
	int nfds;
};

/* Runs in the child: fills out->data and out->fds (descriptors it keeps open). */
typedef void (*child_fn)(void *arg, struct child_result *out);

/*
 * Forks, runs fn(arg, out) in the child and waits for it. 0: out->data and
 * out->fds are the child's; <0: -errno, and errmsg says what happened (the
 * child died, sent too little, or its descriptors did not fit).
 */
int child_call(child_fn fn, void *arg, struct child_result *out, char *errmsg, size_t n);

/* The open files limit the caller needs for extra descriptors: raised when it can be. */
int child_call_fd_room(int extra, char *errmsg, size_t n);

#endif
