// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark load: N TCP connect()+close() to 127.0.0.1:PORT, as fast as one
 * thread can; prints the seconds taken. A refused connect counts as one too
 * (that is the SMB case: the RST path). Used by scripts/bench.sh.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timespec t0, t1;
	int n, port;

	if (argc != 3 || (n = atoi(argv[2])) <= 0 || (port = atoi(argv[1])) <= 0 || port > 65535) {
		fprintf(stderr, "usage: connect_loop PORT COUNT\n");
		return 2;
	}
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0) {
			perror("socket");
			return 1;
		}
		connect(fd, (struct sockaddr *)&sa, sizeof(sa)); /* refused is fine */
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.6f\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
