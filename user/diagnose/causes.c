// SPDX-License-Identifier: GPL-2.0
#include "causes.h"

static const struct cause_info causes[CAUSE_COUNT] = {
	[CAUSE_CONNECT_REFUSED] = {
		"connect-refused", PHASE_CONNECT, 3,
		"The server answered the TCP connection to the SMB port with a reset.",
		"Nothing listens on the SMB port (445, or 139), or a firewall rejects it: check that "
		"the SMB server runs and that port 445 is open between client and server.",
		"7742f8b9bda14d1b9de6f014d787a138" },
	[CAUSE_CONNECT_TIMEOUT] = {
		"connect-timeout", PHASE_CONNECT, 3,
		"The TCP connection to the SMB port got no answer.",
		"The host is down, unreachable, or a firewall drops port 445: check routing and "
		"firewalls on the path (ping, traceroute, nc -zv SERVER 445).",
		"f5cf1694e1b34334a4bb900f6cfdcbf7" },
	[CAUSE_NEGOTIATE_NO_RESPONSE] = {
		"negotiate-no-response", PHASE_NEGOTIATE, 3,
		"TCP connected, the SMB NEGOTIATE was sent, and the server never answered it.",
		"Classic symptom of antivirus or a filter driver on the server, or a middlebox that "
		"swallows SMB: check security software and SMB inspection on the path; patch client "
		"and server.",
		"241f4e1253e048a1a7736a8965e76bc9" },
	[CAUSE_NEGOTIATE_RESET] = {
		"negotiate-reset", PHASE_NEGOTIATE, 3,
		"The server reset the connection, or turned the client away (an RFC 1002 negative "
		"session response), before it answered the SMB NEGOTIATE.",
		"The server refuses this client (Samba 'hosts deny'/'hosts allow', a Windows "
		"firewall or IP filter), or security software or a middlebox resets SMB: check the "
		"server's log for the client's address; also check that it speaks SMB2/3 on this port.",
		"c36be59b5d6647d4b11fce633b9e3d61" },
	[CAUSE_DIALECT_MISMATCH] = {
		"dialect-mismatch", PHASE_NEGOTIATE, 3,
		"Client and server have no SMB dialect in common.",
		"Align the mount's vers= with the server's min/max protocol (e.g. vers=3.1.1, or "
		"drop vers= to let them agree); SMB1 is disabled on most servers.",
		"0c50de26f4604ec09b3f4439d342b8da" },
	[CAUSE_BAD_CREDENTIALS] = {
		"bad-credentials", PHASE_SESSION_SETUP, 3,
		"The server rejected the user name or password.",
		"Check the user, domain and password the client sent (username=, domain=, "
		"credentials= file); the user must exist on the server or its domain.",
		"269a4b7ec4004c6db410d69cd9cc93f7" },
	[CAUSE_ACCOUNT_RESTRICTED] = {
		"account-restricted", PHASE_SESSION_SETUP, 3,
		"The account exists but may not log on now (disabled, locked, expired, or outside "
		"its hours or workstations).",
		"Fix the account on the server or domain (enable, unlock, reset the password, or "
		"allow this workstation and time).",
		"5b569c0991914dc1a3d68f8b17b331bc" },
	[CAUSE_SESSION_ACCESS_DENIED] = {
		"session-access-denied", PHASE_SESSION_SETUP, 3,
		"The server refused the session itself (ACCESS_DENIED at session setup).",
		"Server name hardening (SmbServerNameHardeningLevel) rejects the target name, e.g. "
		"a mount by IP or alias: mount by the name the server expects; or guest access is "
		"refused: give credentials.",
		"94cc3e394b2245569558635671a2cfc7" },
	[CAUSE_KERBEROS_FAILURE] = {
		"kerberos-failure", PHASE_SESSION_SETUP, 3,
		"Kerberos authentication failed before or during session setup, for a reason the "
		"Kerberos causes above do not name (the KDC's error is shown where one came).",
		"Check for a ticket (klist) and cifs-utils' cifs.upcall/keyutils, that the KDC is "
		"reachable on port 88, that an SPN cifs/<name> exists for the name mounted (a CNAME "
		"alias needs its own), and the clock skew.",
		"f582e0c4b0394c83979de89df9200f46" },
	[CAUSE_SIGNING_FAILURE] = {
		"signing-failure", PHASE_SESSION_SETUP, 3,
		"SMB message signing failed: a bad signature, or signing required by one side and "
		"disabled on the other.",
		"Check the signing settings on both sides (sign mount option, "
		"/proc/fs/cifs/SecurityFlags, server 'server signing'); old third-party devices "
		"sign incorrectly (update their firmware), and a middlebox that alters SMB traffic "
		"(WAN optimizer, proxy, IPS) breaks every signature.",
		"a12a86ff7c56495f886554f57f0f8574" },
	[CAUSE_SESSION_ENCRYPTION_REQUIRED] = {
		"session-encryption-required", PHASE_SESSION_SETUP, 3,
		"The server requires encryption for the session and the client cannot encrypt with "
		"this dialect.",
		"Use SMB3 (vers=3.0 or later, or no vers=) and the seal mount option.",
		"6ba306aceb2443dd88d933dd39de07be" },
	[CAUSE_BAD_NETWORK_NAME] = {
		"bad-network-name", PHASE_TREE_CONNECT, 3,
		"The share does not exist on the server.",
		"The share name is missing or misspelled: compare the exact UNC sent with the "
		"server's shares (smbclient -L //SERVER -U USER).",
		"021ed17bc2e2470db57b826f03f03829" },
	[CAUSE_SHARE_ACCESS_DENIED] = {
		"share-access-denied", PHASE_TREE_CONNECT, 3,
		"The user logged on but may not connect to this share.",
		"Check the share permissions (valid users, share ACL) and the file system "
		"permissions of the folder behind the share, which must exist.",
		"41fa56afa9774d3c8aa458d66d680510" },
	[CAUSE_SHARE_ENCRYPTION_REQUIRED] = {
		"share-encryption-required", PHASE_TREE_CONNECT, 3,
		"The share requires encryption that this mount does not use or cannot use.",
		"Use SMB3 and the seal mount option, or relax the share's encryption setting.",
		"87efe9da894f4108b77701c56ba6af1b" },
	[CAUSE_SESSION_EXPIRED] = {
		"session-expired", PHASE_ANY, 4,
		"The server ended an established session (expired or deleted).",
		"Usually Kerberos ticket lifetime or server-side session limits: renew tickets "
		"(e.g. a keytab with cifscreds/kinit -R), check the server's idle timeouts.",
		"5515aec734d4439b9c9ec2c90c4cc53a" },
	[CAUSE_RECONNECT] = {
		"reconnect", PHASE_ANY, 4,
		"The client had to reconnect an established SMB connection.",
		"Repeated reconnects point at an unstable network path or a server that drops "
		"idle or busy connections: check the TCP evidence and the server's logs.",
		"f01233955b204c48903916852973c5a2" },
	[CAUSE_KERBEROS_NO_TICKET] = {
		"kerberos-no-ticket", PHASE_SESSION_SETUP, 3,
		"The Kerberos upcall found no usable ticket-granting ticket: none, expired, or in "
		"a credential cache it does not read.",
		"kinit as the user the mount runs for (root's cache is /tmp/krb5cc_0; cruid= "
		"names another user's), or give cifs.upcall a keytab (-K); klist shows the tickets.",
		"6efb22da9da0f51b82eebfdda47567fb" },
	[CAUSE_KERBEROS_UPCALL_UNAVAILABLE] = {
		"kerberos-upcall-unavailable", PHASE_SESSION_SETUP, 3,
		"The kernel could not run its Kerberos upcall: request-key did not run, or ran "
		"without starting cifs.upcall.",
		"Install keyutils (/sbin/request-key) and cifs-utils (cifs.upcall), and check that "
		"/etc/request-key.d/cifs.spnego.conf has the line 'create cifs.spnego * * "
		"/usr/sbin/cifs.upcall %k'.",
		"656075fb0d9a542782fe69b558ed34ce" },
	[CAUSE_KERBEROS_KDC_UNREACHABLE] = {
		"kerberos-kdc-unreachable", PHASE_SESSION_SETUP, 3,
		"The KDC did not answer on port 88 (unreachable, reset, or silent), over UDP or TCP.",
		"Check that the KDC named in /etc/krb5.conf (or DNS SRV _kerberos._udp) runs and "
		"that port 88, UDP and TCP, is open from this client (nc -zv KDC 88; kinit).",
		"5048acd4fab7c24344d64a05a6369be8" },
	[CAUSE_KERBEROS_SPN_UNKNOWN] = {
		"kerberos-spn-unknown", PHASE_SESSION_SETUP, 3,
		"The KDC has no service principal for the name mounted "
		"(KDC_ERR_S_PRINCIPAL_UNKNOWN).",
		"Register cifs/<name> for the server (setspn -S cifs/<name> <host>, samba-tool spn "
		"add, kadmin addprinc) or mount the server by its own name: a CNAME alias needs an "
		"SPN of its own.",
		"8d6e2d059f41df7872782509329461a0" },
	[CAUSE_KERBEROS_CLOCK_SKEW] = {
		"kerberos-clock-skew", PHASE_SESSION_SETUP, 3,
		"Kerberos refused a ticket for its time: the clocks of client, KDC and server "
		"differ too much (KRB_AP_ERR_SKEW), or the ticket is not valid yet (TKT_NYV).",
		"Synchronise the clocks of client, KDC and SMB server (chrony or systemd-timesyncd "
		"against the same source); Kerberos allows 5 minutes by default.",
		"c0c141ccf7c7be3ffb6b94e76c5d7bd6" },
	[CAUSE_KERBEROS_SERVER_REJECTED] = {
		"kerberos-server-rejected", PHASE_SESSION_SETUP, 3,
		"The KDC issued a service ticket and the SMB server refused it: its keytab does not "
		"hold the key the ticket is encrypted with.",
		"The server's keytab is stale (password or kvno changed on the KDC): re-export it "
		"(ktadd, net ads keytab create, samba-tool domain exportkeytab); klist -k on the "
		"server shows its kvno.",
		"7fb584ea28e7a35bbf481a65c734c3a1" },
	[CAUSE_GUEST_REFUSED] = {
		"guest-refused", PHASE_SESSION_SETUP, 3,
		"The server refused a guest or anonymous session: the client sent no credentials, "
		"or credentials the server did not know and mapped to guest.",
		"Give valid credentials (username=, password= or credentials=FILE): the server does not "
		"allow guest access (Samba 'map to guest = never', 'restrict anonymous'; Windows "
		"refuses guest logons by default since Windows 10 1709 and Server 2019).",
		"1e3f0a3c3b6f4d7e9c2a5b8d0f4e6a71" },
	[CAUSE_UNCLASSIFIED] = {
		"unclassified", PHASE_ANY, 3,
		"An SMB operation failed for a reason smbwatch does not classify.",
		"Look up the NT status and errno shown; please report it with a recording "
		"(smbwatch --record) so that it can be classified.",
		"296d1126bbb9463d869cc12e886cd972" },
};

const struct cause_info *cause_info(enum cause_id id)
{
	return id >= 0 && id < CAUSE_COUNT ? &causes[id] : &causes[CAUSE_UNCLASSIFIED];
}
