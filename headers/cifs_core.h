/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal CO-RE views of cifs.ko's types (they are module types: vmlinux.h
 * does not have them). libbpf relocates every access against the running
 * module's BTF, so only the fields named here matter, not their offsets.
 *
 * Deliberately absent: every password, key and session-key field. The BPF
 * side cannot read what it cannot name.
 *
 * Checked against the module BTF of Debian's 6.1, 6.12 and 7.2 kernels.
 */
#ifndef SMBW_CIFS_CORE_H
#define SMBW_CIFS_CORE_H

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
#endif

/*
 * CO-RE matches enum fields only against enums of the same name: these stand
 * for cifs.ko's own (values are not needed, the fields are read as numbers).
 */
enum statusEnum { CifsNew___smbw = 0 };
enum securityEnum { Unspecified___smbw = 0 };

struct TCP_Server_Info {
	__u64 conn_id;
	enum statusEnum tcpStatus;
	char *hostname;
	struct socket *ssocket;
	struct __kernel_sockaddr_storage dstaddr;
	bool sign;
	__u16 dialect;
	unsigned int capabilities;
};

struct cifs_ses {
	struct TCP_Server_Info *server;
	__u64 Suid;
	char *user_name;
	char *domainName;
	enum securityEnum sectype;
	__u16 session_flags;
};

/*
 * The UNC is taken from SMB2_tcon's own argument, not from tree_name (named
 * treeName before 6.0), so no flavour of this struct is needed.
 */
struct cifs_tcon {
	struct cifs_ses *ses;
	__u32 tid;
	bool ipc : 1;
	bool seal : 1;
	__u32 share_flags;
};

/* The mount request: names as the user typed them. */
struct smb3_fs_context {
	char *UNC;
	char *username;
	char *domainname;
	char *server_hostname;
	struct __kernel_sockaddr_storage dstaddr;
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* SMBW_CIFS_CORE_H */
