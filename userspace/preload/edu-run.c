// SPDX-License-Identifier: GPL-2.0
/*
 * libedu-run.so - run an unmodified AF_INET program over EDUTCP.
 *
 * Loaded with LD_PRELOAD (by edu-run), it stands between the program and
 * the C library for the few calls that must change, and passes everything
 * else through untouched:
 *
 *   socket(AF_INET, SOCK_STREAM, 0 or IPPROTO_TCP)  makes an AF_EDU socket;
 *   bind(), connect()          an AF_INET address becomes an AF_EDU one
 *                              (same layout: only the family differs);
 *   accept(), accept4(), getsockname(), getpeername()
 *                              an AF_EDU address comes back as AF_INET;
 *   getsockopt(SO_DOMAIN, SO_PROTOCOL)  read AF_INET and IPPROTO_TCP;
 *   setsockopt(SO_REUSEPORT)   becomes SOL_EDUTCP/EDU_REUSEPORT, which the
 *                              6.1 socket core cannot refuse.
 *
 * Whether a descriptor is EDUTCP's is asked of the kernel (SO_DOMAIN) each
 * time, so dup(), fork() and exec() need no bookkeeping.  The real
 * functions are looked up once, with dlsym(RTLD_NEXT), before main().
 *
 * What it cannot reach: static binaries, system calls made without the C
 * library (syscall(2), Go's runtime), io_uring, and sockets created inside
 * the C library itself.  AF_INET6 sockets stay TCP.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/edu.h>

static int (*real_socket)(int, int, int);
static int (*real_bind)(int, const struct sockaddr *, socklen_t);
static int (*real_connect)(int, const struct sockaddr *, socklen_t);
static int (*real_accept)(int, struct sockaddr *, socklen_t *);
static int (*real_accept4)(int, struct sockaddr *, socklen_t *, int);
static int (*real_getsockname)(int, struct sockaddr *, socklen_t *);
static int (*real_getpeername)(int, struct sockaddr *, socklen_t *);
static int (*real_getsockopt)(int, int, int, void *, socklen_t *);
static int (*real_setsockopt)(int, int, int, const void *, socklen_t);

/* The family the module registered: its parameter may differ from 19. */
static int edu_family = AF_EDU;

static void *real(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (!f) {
		fprintf(stderr, "libedu-run: no %s in the C library\n", name);
		abort();
	}
	return f;
}

__attribute__((constructor)) static void edu_run_init(void)
{
	const char *env = getenv("EDU_FAMILY");
	FILE *f;

	real_socket = real("socket");
	real_bind = real("bind");
	real_connect = real("connect");
	real_accept = real("accept");
	real_accept4 = real("accept4");
	real_getsockname = real("getsockname");
	real_getpeername = real("getpeername");
	real_getsockopt = real("getsockopt");
	real_setsockopt = real("setsockopt");

	if (env && atoi(env) > 0) {
		edu_family = atoi(env);
		return;
	}
	f = fopen("/sys/module/af_edu/parameters/family", "r");
	if (f) {
		if (fscanf(f, "%d", &edu_family) != 1)
			edu_family = AF_EDU;
		fclose(f);
	}
}

static int is_edu(int fd)
{
	socklen_t len = sizeof(int);
	int domain;

	return !real_getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) &&
	       domain == edu_family;
}

int socket(int domain, int type, int protocol)
{
	if (domain == AF_INET && (type & 0xf) == SOCK_STREAM &&
	    (protocol == 0 || protocol == IPPROTO_TCP))
		return real_socket(edu_family, type, 0);
	return real_socket(domain, type, protocol);
}

/* An AF_INET address for an EDUTCP socket, as AF_EDU, in *@copy. */
static const struct sockaddr *to_edu(int fd, const struct sockaddr *addr,
				     socklen_t len, struct sockaddr_storage *copy)
{
	if (!addr || len < sizeof(sa_family_t) || len > sizeof(*copy) ||
	    addr->sa_family != AF_INET || !is_edu(fd))
		return addr;
	memcpy(copy, addr, len);
	copy->ss_family = edu_family;
	return (const struct sockaddr *)copy;
}

/* What the kernel filled in for an EDUTCP socket reads as AF_INET. */
static void to_inet(struct sockaddr *addr, socklen_t *len)
{
	if (addr && len && *len >= sizeof(sa_family_t) &&
	    addr->sa_family == edu_family)
		addr->sa_family = AF_INET;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_storage copy;

	return real_bind(fd, to_edu(fd, addr, len, &copy), len);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_storage copy;

	return real_connect(fd, to_edu(fd, addr, len, &copy), len);
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	int nfd = real_accept(fd, addr, len);

	if (nfd >= 0)
		to_inet(addr, len);
	return nfd;
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	int nfd = real_accept4(fd, addr, len, flags);

	if (nfd >= 0)
		to_inet(addr, len);
	return nfd;
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	int err = real_getsockname(fd, addr, len);

	if (!err)
		to_inet(addr, len);
	return err;
}

int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	int err = real_getpeername(fd, addr, len);

	if (!err)
		to_inet(addr, len);
	return err;
}

int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	int err = real_getsockopt(fd, level, name, val, len);
	int *v = val;

	if (err || level != SOL_SOCKET || !v || !len || *len < sizeof(int))
		return err;
	if (name == SO_DOMAIN && *v == edu_family)
		*v = AF_INET;
	else if (name == SO_PROTOCOL && *v == IPPROTO_EDUTCP && is_edu(fd))
		*v = IPPROTO_TCP;
	return 0;
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	if (level == SOL_SOCKET && name == SO_REUSEPORT && is_edu(fd))
		return real_setsockopt(fd, SOL_EDUTCP, EDU_REUSEPORT, val, len);
	return real_setsockopt(fd, level, name, val, len);
}
