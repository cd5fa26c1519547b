/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SMBW_VERSION_H
#define SMBW_VERSION_H

#ifndef SMBWATCH_VERSION
#define SMBWATCH_VERSION "0.1.0"
#endif

#define SMBW_XSTR(x) #x
#define SMBW_STR(x) SMBW_XSTR(x)

#endif
