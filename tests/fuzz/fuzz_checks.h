/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Oracles for the fuzz targets, written apart from the code under test: a
 * strict UTF-8 check by code point ranges, and a crash with a message when an
 * invariant breaks (libFuzzer keeps the input that did it).
 */
#ifndef SMBW_FUZZ_CHECKS_H
#define SMBW_FUZZ_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "utf8_oracle.h"

#define fuzz_assert(cond)                                                                \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, \
				#cond);                                                  \
			abort();                                                         \
		}                                                                        \
	} while (0)

#endif
