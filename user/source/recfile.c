// SPDX-License-Identifier: GPL-2.0
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "recfile.h"

static void put_le16(unsigned char *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}

static void put_le32(unsigned char *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put_le64(unsigned char *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static uint16_t get_le16(const unsigned char *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return le16toh(v);
}

static uint32_t get_le32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static uint64_t get_le64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

int rec_writer_open(struct rec_writer *w, const char *path, int64_t realtime_offset_ns,
		    char *err, size_t n)
{
	unsigned char hdr[RECFILE_HEADER_LEN] = { 0 };

	memset(w, 0, sizeof(*w));
	w->f = fopen(path, "wbx");
	if (!w->f && errno == EEXIST) {
		snprintf(err, n, "cannot record to %s: the file exists (smbwatch never overwrites a "
			 "recording: remove it or name another)", path);
		return -EEXIST;
	}
	if (!w->f) {
		snprintf(err, n, "cannot record to %s: %s", path, strerror(errno));
		return -errno;
	}
	memcpy(hdr, RECFILE_MAGIC, sizeof(RECFILE_MAGIC));
	put_le16(hdr + 8, RECFILE_VERSION);
	put_le16(hdr + 10, SMBW_ABI_VERSION);
	put_le32(hdr + 12, RECFILE_HEADER_LEN);
	put_le64(hdr + 16, (uint64_t)realtime_offset_ns);
	/* the records' byte order, as a 32-bit mark in it (the header itself is little-endian) */
	memcpy(hdr + 24, &(uint32_t){ RECFILE_BYTE_ORDER_MARK }, 4);
	if (fwrite(hdr, sizeof(hdr), 1, w->f) != 1 || fflush(w->f)) {
		snprintf(err, n, "cannot write to %s: %s", path, strerror(errno));
		fclose(w->f);
		w->f = NULL;
		return -EIO;
	}
	return 0;
}

/* Records go out as they come (flushed), so a crash or kill loses nothing seen so far. */
int rec_writer_put(struct rec_writer *w, const struct smbw_event *e)
{
	unsigned int size = smbw_event_len(e);
	unsigned char len[4];

	put_le32(len, size);
	if (fwrite(len, 4, 1, w->f) != 1 || fwrite(e, size, 1, w->f) != 1 || fflush(w->f))
		return -EIO;
	w->records++;
	return 0;
}

int rec_writer_close(struct rec_writer *w)
{
	int err = 0;

	if (w->f && fclose(w->f))
		err = -errno;
	w->f = NULL;
	return err;
}

/*
 * The records are the writer's struct as it is, so in its byte order: the mark
 * says which. No mark (files before it): little-endian, as every writer was.
 */
static bool records_readable_here(const unsigned char *mark)
{
	const uint32_t one = 1;
	uint32_t m;

	memcpy(&m, mark, 4);
	if (m == 0) /* no mark: little-endian records */
		return *(const unsigned char *)&one == 1;
	return m == RECFILE_BYTE_ORDER_MARK;
}

int rec_reader_open(struct rec_reader *r, const char *path, char *err, size_t n)
{
	unsigned char hdr[RECFILE_HEADER_LEN];
	uint32_t hlen;
	uint16_t ver;

	memset(r, 0, sizeof(*r));
	r->path = path;
	r->f = fopen(path, "rb");
	if (!r->f) {
		snprintf(err, n, "cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	if (fread(hdr, sizeof(hdr), 1, r->f) != 1) {
		snprintf(err, n, "%s: not a smbwatch recording (shorter than its %d-byte header)",
			 path, RECFILE_HEADER_LEN);
		goto bad;
	}
	if (memcmp(hdr, RECFILE_MAGIC, sizeof(RECFILE_MAGIC))) {
		snprintf(err, n, "%s: not a smbwatch recording (bad magic at offset 0)", path);
		goto bad;
	}
	ver = get_le16(hdr + 8);
	r->abi = get_le16(hdr + 10);
	hlen = get_le32(hdr + 12);
	if (ver > RECFILE_VERSION || r->abi > SMBW_ABI_VERSION) {
		snprintf(err, n, "%s: recorded by a newer smbwatch (format %u, ABI %u; this one reads "
			 "up to %d, %d): replay it with that version", path, ver, r->abi,
			 RECFILE_VERSION, SMBW_ABI_VERSION);
		goto bad;
	}
	if (ver == 0 || r->abi == 0 || hlen < RECFILE_HEADER_LEN || hlen > 4096) {
		snprintf(err, n, "%s: corrupt header at offset 0 (version %u, ABI %u, length %u)",
			 path, ver, r->abi, hlen);
		goto bad;
	}
	r->realtime_offset_ns = (int64_t)get_le64(hdr + 16);
	if (!records_readable_here(hdr + 24)) {
		snprintf(err, n, "%s: its records are in the other byte order (recorded on a %s-endian "
			 "host): replay it on a host like that one", path,
			 get_le32(hdr + 24) == RECFILE_BYTE_ORDER_MARK ? "little" : "big");
		goto bad;
	}
	if (fseek(r->f, (long)hlen, SEEK_SET)) {
		snprintf(err, n, "%s: cannot seek past the header: %s", path, strerror(errno));
		goto bad;
	}
	r->offset = hlen;
	return 0;
bad:
	fclose(r->f);
	r->f = NULL;
	return -EINVAL;
}

int rec_reader_next(struct rec_reader *r, struct smbw_event *e, char *err, size_t n)
{
	unsigned char lenbuf[4], payload[RECFILE_MAX_RECORD];
	size_t got, have;
	uint32_t len;

	got = fread(lenbuf, 1, 4, r->f);
	if (got == 0 && feof(r->f))
		return 0;
	if (got != 4) {
		snprintf(err, n, "%s: truncated record length at offset %llu", r->path,
			 (unsigned long long)r->offset);
		return -1;
	}
	len = get_le32(lenbuf);
	if (len < RECFILE_MIN_RECORD || len > RECFILE_MAX_RECORD) {
		snprintf(err, n, "%s: corrupt record at offset %llu (length %u, expected %d to %d)",
			 r->path, (unsigned long long)r->offset, len, RECFILE_MIN_RECORD,
			 RECFILE_MAX_RECORD);
		return -1;
	}
	if (fread(payload, 1, len, r->f) != len) {
		snprintf(err, n, "%s: truncated record at offset %llu (needs %u bytes)", r->path,
			 (unsigned long long)r->offset, len);
		return -1;
	}
	have = len < sizeof(*e) ? len : sizeof(*e); /* a longer record's tail is not read */
	memset(e, 0, sizeof(*e));
	memcpy(e, payload, have);
	if (e->abi == 0 || e->abi > r->abi) {
		snprintf(err, n, "%s: corrupt record at offset %llu (ABI %u in a file of ABI %u)",
			 r->path, (unsigned long long)r->offset, e->abi, r->abi);
		return -1;
	}
	/* the Kerberos bytes must be among those copied: never a krb_len past .krb */
	if (e->krb_len > (have > SMBW_EVENT_BASE_LEN ? have - SMBW_EVENT_BASE_LEN : 0)) {
		snprintf(err, n, "%s: corrupt record at offset %llu (%u Kerberos bytes in a "
			 "%u-byte record)", r->path, (unsigned long long)r->offset, e->krb_len, len);
		return -1;
	}
	r->offset += 4 + len;
	r->records++;
	return 1;
}

void rec_reader_close(struct rec_reader *r)
{
	if (r->f)
		fclose(r->f);
	r->f = NULL;
}
