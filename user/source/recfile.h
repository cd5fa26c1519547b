/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The record file: the raw event stream, for replay, tests and bug reports.
 *
 *   header  "SMBWREC\0" magic, u16 format version, u16 event ABI,
 *           u32 header length, s64 realtime offset (ns), u32 byte-order
 *           mark (0x01020304 in the records' byte order), u32 reserved
 *   records u32 payload length, then the payload: one struct smbw_event, up
 *           to its last byte of information (smbw_event_len: a record
 *           without KRB-ERROR bytes ends before .krb)
 *
 * The header's integers are little-endian; the records are the writer's
 * struct, in its byte order, which the mark names (little-endian on every host
 * smbwatch runs on; a file without a mark is little-endian). A reader refuses
 * records of the other byte order, accepts records shorter than its own
 * struct (older ABI: the rest reads as zero) and refuses a newer format or ABI.
 */
#ifndef SMBW_RECFILE_H
#define SMBW_RECFILE_H

#include <stdint.h>
#include <stdio.h>

#include "smbwatch_event.h"

#define RECFILE_MAGIC "SMBWREC"
#define RECFILE_VERSION 1
#define RECFILE_HEADER_LEN 32
#define RECFILE_BYTE_ORDER_MARK 0x01020304u
#define RECFILE_MAX_RECORD 4096 /* far above any ABI's record: longer is corruption */
/* The shortest record that still says what happened and when. */
#define RECFILE_MIN_RECORD 16

struct rec_writer {
	FILE *f;
	uint64_t records;
};

struct rec_reader {
	FILE *f;
	const char *path;
	uint64_t offset; /* of the next record */
	uint16_t abi;
	int64_t realtime_offset_ns;
	uint64_t records;
};

int rec_writer_open(struct rec_writer *w, const char *path, int64_t realtime_offset_ns,
		    char *err, size_t n);
int rec_writer_put(struct rec_writer *w, const struct smbw_event *e);
int rec_writer_close(struct rec_writer *w);

int rec_reader_open(struct rec_reader *r, const char *path, char *err, size_t n);
/* 1: *e filled; 0: clean end of file; -1: error, err names the offset. */
int rec_reader_next(struct rec_reader *r, struct smbw_event *e, char *err, size_t n);
void rec_reader_close(struct rec_reader *r);

#endif
