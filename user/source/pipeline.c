// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "correlator.h"
#include "pipeline.h"

/*
 * Only a KRB-ERROR's bytes may travel in .krb (the BPF side copies nothing
 * else); a record that says otherwise is refused, never recorded or shown,
 * whatever wrote it.
 */
static bool krb_bytes_allowed(const struct smbw_event *e)
{
	if (e->krb[0] != 0x7e)
		return false;
	return (e->type == EV_KRB_MESSAGE && e->krb_type == 30 && (e->flags & SMBW_F_INGRESS)) ||
	       e->type == EV_SMB_SESSION_KRB_ERROR;
}

/*
 * Ring buffer records are sized by kind: the whole struct for one that carries
 * a KRB-ERROR, up to the names for a TCP event, up to .krb for the others. Any other size, or a KRB-ERROR
 * length beyond what came, is a mismatched build.
 */
static bool record_valid(struct pipeline *p, const void *data, size_t size,
			 struct smbw_event *e)
{
	if (size != SMBW_EVENT_TCP_LEN && size != SMBW_EVENT_BASE_LEN && size != sizeof(*e)) {
		p->malformed++;
		return false;
	}
	memcpy(e, data, size);
	memset((char *)e + size, 0, sizeof(*e) - size);
	if (e->krb_len > (size > SMBW_EVENT_BASE_LEN ? size - SMBW_EVENT_BASE_LEN : 0)) {
		p->malformed++;
		return false;
	}
	/* replays bring older ABIs, which read as the current one with zeroes appended */
	if (e->abi == 0 || e->abi > SMBW_ABI_VERSION) {
		p->malformed++;
		return false;
	}
	if (e->krb_len && !krb_bytes_allowed(e)) {
		p->malformed++;
		return false;
	}
	if (e->type == EV_NONE || e->type >= EV_TYPE_MAX) {
		p->unknown++;
		return false;
	}
	return true;
}

int pipeline_feed(struct pipeline *p, const void *data, size_t size)
{
	struct smbw_event e;

	if (!record_valid(p, data, size, &e))
		return 0;
	if (p->map_kaddr)
		kaddr_ids_apply(&p->kaddr, &e);
	p->events++;
	if (p->rec && rec_writer_put(p->rec, &e)) {
		p->record_errors++;
		return -EIO;
	}
	if (p->show_events)
		output_event(p->out, &e);
	if (p->corr)
		correlator_feed(p->corr, &e);
	return 0;
}

int pipeline_map_kernel_addresses(struct pipeline *p)
{
	int err = kaddr_ids_init(&p->kaddr);

	p->map_kaddr = !err;
	return err;
}

static void on_folded(void *ctx, const struct diagnosis *d)
{
	struct pipeline *p = ctx;

	output_diagnosis(p->out, d);
}

static void on_diagnosis(void *ctx, const struct diagnosis *d)
{
	struct pipeline *p = ctx;

	fold_put(&p->fold, d);
}

int pipeline_init(struct pipeline *p, struct output *out, bool show_events,
		  const struct portset *ports)
{
	struct correlator_config cfg;

	memset(p, 0, sizeof(*p));
	p->out = out;
	p->show_events = show_events;
	correlator_default_config(&cfg);
	if (ports && ports->n)
		cfg.ports = *ports;
	fold_init(&p->fold, PIPELINE_FOLD_NS, on_folded, p);
	p->corr = correlator_new(&cfg, on_diagnosis, p);
	return p->corr ? 0 : -ENOMEM;
}

void pipeline_tick(struct pipeline *p, uint64_t now_ns)
{
	if (!p->corr)
		return;
	correlator_tick(p->corr, now_ns);
	fold_tick(&p->fold, correlator_now(p->corr)); /* the stream's clock, as in a replay */
}

void pipeline_finish(struct pipeline *p)
{
	if (!p->corr)
		return;
	correlator_finish(p->corr);
	fold_finish(&p->fold);
}

void pipeline_describe(const struct pipeline *p, char *buf, size_t n)
{
	struct correlator_stats st;

	if (!p->corr) {
		snprintf(buf, n, "no correlation");
		return;
	}
	correlator_get_stats(p->corr, &st);
	snprintf(buf, n,
		 "%llu diagnoses (%llu lines after folding); %llu events reordered, %llu released "
		 "early (burst), evicted %llu sockets %llu connections %llu notes, %llu reused "
		 "kernel addresses, %llu connections torn down, %llu normal events ignored",
		 (unsigned long long)st.diagnoses, (unsigned long long)p->fold.out,
		 (unsigned long long)st.reordered, (unsigned long long)st.early_released,
		 (unsigned long long)st.evicted_socks, (unsigned long long)st.evicted_conns,
		 (unsigned long long)st.evicted_notes, (unsigned long long)st.reused,
		 (unsigned long long)st.released, (unsigned long long)st.ignored);
}

void pipeline_free(struct pipeline *p)
{
	correlator_free(p->corr);
	p->corr = NULL;
}
