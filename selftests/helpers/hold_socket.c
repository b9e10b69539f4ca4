// SPDX-License-Identifier: GPL-2.0
/*
 * hold_socket - open one AF_EDU socket, say "ready", keep it until killed.
 * The module tests use it to check that rmmod is refused while in use.
 */
#include <stdio.h>
#include <unistd.h>
#include <sys/socket.h>
#include "../edu_selftest.h"

int main(void)
{
	int fd = socket(edu_af(), SOCK_STREAM, 0);

	if (fd < 0) {
		perror("socket(AF_EDU)");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
