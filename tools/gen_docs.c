// SPDX-License-Identifier: GPL-2.0
/*
 * Build tool: writes what is derived from the cause catalogue (causes.c), so
 * that the journal catalog and README's table never drift from the code.
 *   gen_docs catalog    the journald message catalog (dist: smbwatch.catalog)
 *   gen_docs markdown   README's causes table
 */
#include <stdio.h>
#include <string.h>

#include "causes.h"
#include "names.h"
#include "journal.h"

static void catalog(void)
{
	printf("# smbwatch: journald message catalog, generated from user/causes.c.\n"
	       "# Installed in /usr/lib/systemd/catalog; journalctl -x shows it.\n\n");
	printf("-- %s\nSubject: smbwatch started\nDefined-By: smbwatch\n"
	       "Documentation: man:smbwatch(8)\n\n"
	       "smbwatch attached its eBPF hooks and watches SMB/CIFS mounts. The message says\n"
	       "which hook groups are attached, which wait (cifs.ko not loaded yet) and why\n"
	       "any are missing.\n\n", SMBW_STARTUP_MESSAGE_ID);
	for (int i = 0; i < CAUSE_COUNT; i++) {
		const struct cause_info *c = cause_info(i);

		printf("-- %s\n", c->message_id);
		printf("Subject: SMB %s failure %s: @SMB_SERVER@ @SMB_SHARE@\n",
		       phase_name(c->phase), c->id);
		printf("Defined-By: smbwatch\nDocumentation: man:smbwatch(8)\n\n");
		printf("%s\n\n", c->meaning);
		printf("Server:    @SMB_SERVER@ (@SMB_SERVER_ADDR@)\n"
		       "Share:     @SMB_SHARE@\n"
		       "User:      @SMB_USER@ (domain: @SMB_DOMAIN@)\n"
		       "Dialect:   @SMB_DIALECT@, authentication: @SMB_AUTH@\n"
		       "NT status: @NT_STATUS_NAME@ (@NT_STATUS@), errno @SMB_ERRNO_NAME@\n"
		       "Process:   @SMB_COMM@ (@SMB_PID@)\n"
		       "Evidence:  @SMB_ELAPSED_MS@ ms from the first SYN, TCP retransmits "
		       "@SMB_TCP_RETRANSMITS@, reset by @SMB_RESET_BY@, reconnects @SMB_RECONNECTS@; "
		       "lacked: @SMB_LACKED@\n\n");
		printf("What to do: %s\n\n", c->hint);
	}
}

static void markdown(void)
{
	printf("| cause | phase | what it means | what to do |\n|---|---|---|---|\n");
	for (int i = 0; i < CAUSE_COUNT; i++) {
		const struct cause_info *c = cause_info(i);

		printf("| `%s` | %s | %s | %s |\n", c->id, phase_name(c->phase), c->meaning,
		       c->hint);
	}
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "catalog"))
		catalog();
	else if (argc == 2 && !strcmp(argv[1], "markdown"))
		markdown();
	else {
		fprintf(stderr, "usage: gen_docs catalog|markdown\n");
		return 2;
	}
	return 0;
}
