// SPDX-License-Identifier: GPL-2.0
/*
 * estab_bind - bind(2) on AF_EDU gives exactly what AF_INET/TCP gives:
 * the address getsockname() reports, the errno of every refusal and the
 * order the checks are made in, the port-sharing rules of SO_REUSEADDR
 * and SO_REUSEPORT, and ephemeral ports from ip_local_port_range.
 *
 * Every test body runs on both variants with the same assertions; the
 * kernel's own TCP (variant "tcp") is the oracle that proves each
 * assertion is what Linux 6.1 does.  Ports 5000-5999 belong to this file;
 * each test uses its own so no test sees another's leftovers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include "edu_selftest.h"
#include "kselftest_harness.h"

#define PORT(n)		(5000 + (n))
#define NOBODY		65534
#define UNPRIV_PATH	"/proc/sys/net/ipv4/ip_unprivileged_port_start"

FIXTURE(bind) {
	struct edu_fds fds;
	/* ip_local_port_range as it was, for teardown; 0: untouched */
	int range_lo, range_hi;
};

FIXTURE_VARIANT(bind) {
	struct edu_family f;
};

EDU_FAMILY_VARIANTS(bind);

FIXTURE_SETUP(bind)
{
}

#define RANGE_PATH	"/proc/sys/net/ipv4/ip_local_port_range"

static int write_range(int lo, int hi)
{
	FILE *f = fopen(RANGE_PATH, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fprintf(f, "%d %d\n", lo, hi) < 0)
		err = -EIO;
	if (fclose(f))
		err = -errno;
	return err;
}

FIXTURE_TEARDOWN(bind)
{
	edu_close_all(&self->fds);
	if (self->range_lo)
		write_range(self->range_lo, self->range_hi);
}

/* Narrows ip_local_port_range for one test; teardown restores it. */
static int set_range(FIXTURE_DATA(bind) *self, int lo, int hi)
{
	int err;

	if (!self->range_lo) {
		err = edu_port_range(&self->range_lo, &self->range_hi);
		if (err)
			return err;
	}
	return write_range(lo, hi);
}

/* A new socket of the variant's family, kept for teardown. */
#define SOCK(flags) \
	edu_keep(&self->fds, edu_socket(&variant->f, (flags)))

/* bind() with the variant's family and a full-size address. */
#define BIND(fd, ip, port)	edu_bind(&variant->f, (fd), (ip), (port))

static int bind_raw(int fd, int family, const char *ip, unsigned short port,
		    socklen_t len)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	a->sin_family = family;
	a->sin_port = htons(port);
	inet_pton(AF_INET, ip, &a->sin_addr);
	return bind(fd, (struct sockaddr *)&ss, len) ? -errno : 0;
}

/*
 * Runs fn in a child process (which may drop privileges there without
 * touching the test) and collects the n results it stores: each is 0 or
 * a negative errno, asserted on by the caller.  Returns 0 or -errno.
 */
typedef void (*child_fn)(const struct edu_family *f, int port, int *res);

static int in_child(child_fn fn, const struct edu_family *f, int port,
		    int *res, int n)
{
	int p[2], status, got = 0, r;
	pid_t pid;

	if (pipe(p))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		close(p[0]);
		fn(f, port, res);
		r = write(p[1], res, n * sizeof(*res));
		_exit(r == (int)(n * sizeof(*res)) ? 0 : 1);
	}
	close(p[1]);
	while (got < (int)(n * sizeof(*res)) &&
	       edu_poll(p[0], POLLIN, 5000) > 0) {
		r = read(p[0], (char *)res + got, n * sizeof(*res) - got);
		if (r <= 0)
			break;
		got += r;
	}
	close(p[0]);
	if (got < (int)(n * sizeof(*res)))
		kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return got == (int)(n * sizeof(*res)) ? 0 : -EPIPE;
}

/* Clears CAP_NET_BIND_SERVICE from this process's effective set. */
static int drop_bind_service(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[CAP_TO_INDEX(CAP_NET_BIND_SERVICE)].effective &=
		~CAP_TO_MASK(CAP_NET_BIND_SERVICE);
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

TEST_F(bind, unbound_getsockname)
{
	struct sockaddr_in a;
	int fd = SOCK(0);

	ASSERT_LE(0, fd);
	/* An unbound socket reports its own family with 0.0.0.0:0. */
	ASSERT_EQ(0, edu_name(fd, 0, &a));
	EXPECT_EQ(fam_af(&variant->f), a.sin_family);
	EXPECT_EQ(0, a.sin_port);
	EXPECT_EQ(htonl(INADDR_ANY), a.sin_addr.s_addr);
}

TEST_F(bind, loopback_getsockname)
{
	struct sockaddr_in a;
	int fd = SOCK(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, BIND(fd, "127.0.0.1", PORT(0)));
	ASSERT_EQ(0, edu_name(fd, 0, &a));
	EXPECT_EQ(fam_af(&variant->f), a.sin_family);
	EXPECT_EQ(htons(PORT(0)), a.sin_port);
	EXPECT_EQ(htonl(INADDR_LOOPBACK), a.sin_addr.s_addr);
	/* Binding is not connecting. */
	EXPECT_EQ(-ENOTCONN, edu_name(fd, 1, &a));
	EXPECT_EQ(0, edu_getint(fd, SOL_SOCKET, SO_ACCEPTCONN));
}

TEST_F(bind, any_getsockname)
{
	struct sockaddr_in a;
	int fd = SOCK(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, BIND(fd, "0.0.0.0", PORT(1)));
	ASSERT_EQ(0, edu_name(fd, 0, &a));
	EXPECT_EQ(fam_af(&variant->f), a.sin_family);
	EXPECT_EQ(htons(PORT(1)), a.sin_port);
	EXPECT_EQ(htonl(INADDR_ANY), a.sin_addr.s_addr);
}

/* Any 127/8 address is local: loopback routes the whole block. */
TEST_F(bind, other_loopback_address)
{
	struct sockaddr_in a;
	int fd = SOCK(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, BIND(fd, "127.0.0.2", PORT(2)));
	ASSERT_EQ(0, edu_name(fd, 0, &a));
	EXPECT_EQ(inet_addr("127.0.0.2"), a.sin_addr.s_addr);
}

TEST_F(bind, already_bound)
{
	int fd = SOCK(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, BIND(fd, "127.0.0.1", PORT(3)));
	/* A second bind fails, whatever it asks for, and changes nothing. */
	EXPECT_EQ(-EINVAL, BIND(fd, "127.0.0.1", PORT(4)));
	EXPECT_EQ(-EINVAL, BIND(fd, "127.0.0.1", PORT(3)));
	EXPECT_EQ(-EINVAL, BIND(fd, "127.0.0.1", 0));
	EXPECT_EQ(PORT(3), edu_local_port(fd));
	/* The port refused above is still free for others. */
	EXPECT_EQ(0, BIND(SOCK(0), "127.0.0.1", PORT(4)));
}

/* A listener and a connected socket have a port already: EINVAL too. */
TEST_F(bind, listening_or_connected)
{
	int lfd = SOCK(0), cfd;

	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, listen(lfd, 4));
	EXPECT_EQ(-EINVAL, BIND(lfd, "127.0.0.1", PORT(5)));

	/* listen() bound lfd to an ephemeral port; it is its only one. */
	EXPECT_NE(0, edu_local_port(lfd));

	lfd = edu_keep(&self->fds, edu_listener(&variant->f, 0, "127.0.0.1",
						 PORT(7), 4));
	ASSERT_LE(0, lfd);
	cfd = edu_keep(&self->fds, edu_connected(&variant->f, "127.0.0.1",
						 PORT(7)));
	ASSERT_LE(0, cfd);
	EXPECT_EQ(-EINVAL, BIND(cfd, "127.0.0.1", PORT(8)));
}

TEST_F(bind, short_addrlen)
{
	int fd = SOCK(0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, bind_raw(fd, fam_af(&variant->f), "127.0.0.1",
				    PORT(9), sizeof(struct sockaddr_in) - 1));
	EXPECT_EQ(-EINVAL, bind_raw(fd, fam_af(&variant->f), "127.0.0.1",
				    PORT(9), sizeof(sa_family_t)));
	EXPECT_EQ(-EINVAL, bind_raw(fd, fam_af(&variant->f), "127.0.0.1",
				    PORT(9), 0));
	/* The refused calls left the socket unbound. */
	EXPECT_EQ(0, edu_local_port(fd));
	EXPECT_EQ(0, BIND(fd, "127.0.0.1", PORT(9)));
}

/*
 * A longer address is fine up to sockaddr_storage; the socket layer
 * refuses anything beyond it before the family sees it.
 */
TEST_F(bind, long_addrlen)
{
	int fd = SOCK(0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, bind_raw(fd, fam_af(&variant->f), "127.0.0.1",
				    PORT(10),
				    sizeof(struct sockaddr_storage) + 1));
	EXPECT_EQ(0, bind_raw(fd, fam_af(&variant->f), "127.0.0.1", PORT(10),
			      sizeof(struct sockaddr_storage)));
	EXPECT_EQ(PORT(10), edu_local_port(fd));
}

TEST_F(bind, wrong_family)
{
	int other = variant->f.edu ? AF_INET : edu_af();
	int fd = SOCK(0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EAFNOSUPPORT, bind_raw(fd, other, "127.0.0.1", PORT(11),
					  sizeof(struct sockaddr_in)));
	EXPECT_EQ(-EAFNOSUPPORT, bind_raw(fd, AF_UNIX, "127.0.0.1", PORT(11),
					  sizeof(struct sockaddr_in)));
	EXPECT_EQ(-EAFNOSUPPORT, bind_raw(fd, AF_INET6, "0.0.0.0", PORT(11),
					  sizeof(struct sockaddr_in)));
	EXPECT_EQ(-EAFNOSUPPORT, bind_raw(fd, other, "0.0.0.0", PORT(11),
					  sizeof(struct sockaddr_in)));
	EXPECT_EQ(0, edu_local_port(fd));
}

/*
 * inet_bind()'s "compatibility game": AF_UNSPEC is taken for the socket's
 * own family, but only with INADDR_ANY.
 */
TEST_F(bind, unspec_family)
{
	struct sockaddr_in a;
	int fd = SOCK(0), fd2 = SOCK(0);

	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-EAFNOSUPPORT, bind_raw(fd, AF_UNSPEC, "127.0.0.1",
					  PORT(12),
					  sizeof(struct sockaddr_in)));
	EXPECT_EQ(0, bind_raw(fd2, AF_UNSPEC, "0.0.0.0", PORT(12),
			      sizeof(struct sockaddr_in)));
	ASSERT_EQ(0, edu_name(fd2, 0, &a));
	EXPECT_EQ(fam_af(&variant->f), a.sin_family);
	EXPECT_EQ(htons(PORT(12)), a.sin_port);
	EXPECT_EQ(htonl(INADDR_ANY), a.sin_addr.s_addr);
}

TEST_F(bind, nonlocal_address)
{
	int fd = SOCK(0);

	ASSERT_LE(0, fd);
	/* TEST-NET-1: no interface here has it (ip_nonlocal_bind is 0). */
	EXPECT_EQ(-EADDRNOTAVAIL, BIND(fd, "192.0.2.1", PORT(13)));
	EXPECT_EQ(-EADDRNOTAVAIL, BIND(fd, "192.0.2.1", 0));
	EXPECT_EQ(0, edu_local_port(fd));
	EXPECT_EQ(0, BIND(fd, "127.0.0.1", PORT(13)));
}

/*
 * The order of inet_bind()'s checks shows when a call is wrong in two
 * ways: length, then family, then address, then "already bound".
 */
TEST_F(bind, error_precedence)
{
	int fd = SOCK(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, BIND(fd, "127.0.0.1", PORT(14)));
	EXPECT_EQ(-EINVAL, bind_raw(fd, AF_UNIX, "127.0.0.1", PORT(15),
				    sizeof(struct sockaddr_in) - 1));
	EXPECT_EQ(-EAFNOSUPPORT, bind_raw(fd, AF_UNIX, "192.0.2.1", PORT(15),
					  sizeof(struct sockaddr_in)));
	EXPECT_EQ(-EADDRNOTAVAIL, BIND(fd, "192.0.2.1", PORT(15)));
	EXPECT_EQ(-EINVAL, BIND(fd, "127.0.0.1", PORT(15)));
}

static void unprivileged_binds(const struct edu_family *f, int start,
			       int *res)
{
	int a, b, c;

	res[0] = drop_bind_service();
	a = edu_socket(f, 0);
	b = edu_socket(f, 0);
	c = edu_socket(f, 0);
	res[1] = a < 0 ? a : edu_bind(f, a, "127.0.0.1", start - 1);
	res[2] = b < 0 ? b : edu_bind(f, b, "127.0.0.1", start);
	/* The port the kernel picks needs no privilege. */
	res[3] = c < 0 ? c : edu_bind(f, c, "127.0.0.1", 0);
}

/* Ports below ip_unprivileged_port_start need CAP_NET_BIND_SERVICE. */
TEST_F(bind, privileged_port)
{
	int start, res[4], fd = SOCK(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, edu_read_int(UNPRIV_PATH, &start));
	if (start < 2 || start > 65535)
		SKIP(return, "ip_unprivileged_port_start is %d", start);
	/* With the capability (we are root) the same port binds. */
	ASSERT_EQ(0, BIND(fd, "127.0.0.1", start - 1));
	edu_close_all(&self->fds);

	ASSERT_EQ(0, in_child(unprivileged_binds, &variant->f, start, res, 4));
	EXPECT_EQ(0, res[0]);
	EXPECT_EQ(-EACCES, res[1]);
	EXPECT_EQ(0, res[2]);
	EXPECT_EQ(0, res[3]);
}

/* Without SO_REUSEADDR, two sockets whose addresses overlap conflict. */
TEST_F(bind, addrinuse_same)
{
	int a = SOCK(0), b = SOCK(0);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, BIND(a, "127.0.0.1", PORT(20)));
	EXPECT_EQ(-EADDRINUSE, BIND(b, "127.0.0.1", PORT(20)));
	/* The failed bind left b unbound and free to bind elsewhere. */
	EXPECT_EQ(0, edu_local_port(b));
	EXPECT_EQ(0, BIND(b, "127.0.0.1", PORT(21)));
}

TEST_F(bind, addrinuse_any_then_specific)
{
	int a = SOCK(0), b = SOCK(0);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, BIND(a, "0.0.0.0", PORT(22)));
	EXPECT_EQ(-EADDRINUSE, BIND(b, "127.0.0.1", PORT(22)));
	EXPECT_EQ(-EADDRINUSE, BIND(b, "127.0.0.2", PORT(22)));
	EXPECT_EQ(-EADDRINUSE, BIND(b, "0.0.0.0", PORT(22)));
}

TEST_F(bind, addrinuse_specific_then_any)
{
	int a = SOCK(0), b = SOCK(0);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, BIND(a, "127.0.0.1", PORT(23)));
	EXPECT_EQ(-EADDRINUSE, BIND(b, "0.0.0.0", PORT(23)));
}

/* Two different specific addresses do not overlap, even listening. */
TEST_F(bind, distinct_addresses)
{
	int a = SOCK(0), b = SOCK(0), c = SOCK(0);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, BIND(a, "127.0.0.1", PORT(24)));
	EXPECT_EQ(0, BIND(b, "127.0.0.2", PORT(24)));
	EXPECT_EQ(0, listen(a, 1));
	EXPECT_EQ(0, listen(b, 1));
	/* ...but the wildcard overlaps both. */
	EXPECT_EQ(-EADDRINUSE, BIND(c, "0.0.0.0", PORT(24)));
}

/* A closed socket frees its port at once (nothing was connected). */
TEST_F(bind, port_freed_by_close)
{
	int a = SOCK(0), b;

	ASSERT_LE(0, a);
	ASSERT_EQ(0, BIND(a, "127.0.0.1", PORT(25)));
	ASSERT_EQ(0, listen(a, 1));
	edu_drop(&self->fds, a);
	b = SOCK(0);
	ASSERT_LE(0, b);
	EXPECT_EQ(0, BIND(b, "127.0.0.1", PORT(25)));
	EXPECT_EQ(0, listen(b, 1));
}

/* SO_REUSEADDR on both: sockets that do not listen may share a port. */
TEST_F(bind, reuseaddr_both_bound)
{
	int a = SOCK(0), b = SOCK(0), c = SOCK(0);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, edu_setint(a, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, edu_setint(b, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(1, edu_getint(a, SOL_SOCKET, SO_REUSEADDR));
	ASSERT_EQ(0, BIND(a, "127.0.0.1", PORT(30)));
	EXPECT_EQ(0, BIND(b, "127.0.0.1", PORT(30)));
	/* It takes both: c did not ask. */
	EXPECT_EQ(-EADDRINUSE, BIND(c, "127.0.0.1", PORT(30)));
	EXPECT_EQ(-EADDRINUSE, BIND(c, "0.0.0.0", PORT(30)));
}

TEST_F(bind, reuseaddr_first_only)
{
	int a = SOCK(0), b = SOCK(0);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, edu_setint(a, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, BIND(a, "127.0.0.1", PORT(31)));
	EXPECT_EQ(-EADDRINUSE, BIND(b, "127.0.0.1", PORT(31)));
}

TEST_F(bind, reuseaddr_second_only)
{
	int a = SOCK(0), b = SOCK(0);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, edu_setint(b, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, BIND(a, "127.0.0.1", PORT(32)));
	EXPECT_EQ(-EADDRINUSE, BIND(b, "127.0.0.1", PORT(32)));
}

/* SO_REUSEADDR does not let a socket share a port with a listener. */
TEST_F(bind, reuseaddr_listener)
{
	int a = SOCK(0), b = SOCK(0);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, edu_setint(a, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, edu_setint(b, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, BIND(a, "127.0.0.1", PORT(33)));
	ASSERT_EQ(0, listen(a, 1));
	EXPECT_EQ(-EADDRINUSE, BIND(b, "127.0.0.1", PORT(33)));
	EXPECT_EQ(-EADDRINUSE, BIND(b, "0.0.0.0", PORT(33)));
}

/*
 * Two SO_REUSEADDR sockets bound to one port: the first may listen (no
 * listener is there yet), the second then cannot: listen() re-checks the
 * port and fails with EADDRINUSE.
 */
TEST_F(bind, reuseaddr_bound_then_listen)
{
	int a = SOCK(0), b = SOCK(0);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, edu_setint(a, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, edu_setint(b, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, BIND(a, "127.0.0.1", PORT(34)));
	ASSERT_EQ(0, BIND(b, "127.0.0.1", PORT(34)));
	EXPECT_EQ(0, listen(a, 1));
	EXPECT_EQ(-EADDRINUSE, listen(b, 1) ? -errno : 0);
	EXPECT_EQ(0, edu_getint(b, SOL_SOCKET, SO_ACCEPTCONN));
	EXPECT_EQ(1, edu_getint(a, SOL_SOCKET, SO_ACCEPTCONN));
}

/* SO_REUSEPORT on both: both bind, and both listen. */
TEST_F(bind, reuseport_both)
{
	int a = SOCK(0), b = SOCK(0), c = SOCK(0);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, edu_set_reuseport(&variant->f, a, 1));
	ASSERT_EQ(0, edu_set_reuseport(&variant->f, b, 1));
	ASSERT_EQ(1, edu_getint(a, SOL_SOCKET, SO_REUSEPORT));
	ASSERT_EQ(0, BIND(a, "127.0.0.1", PORT(40)));
	EXPECT_EQ(0, BIND(b, "127.0.0.1", PORT(40)));
	EXPECT_EQ(0, listen(a, 1));
	EXPECT_EQ(0, listen(b, 1));
	/* A socket without the option is still refused. */
	EXPECT_EQ(-EADDRINUSE, BIND(c, "127.0.0.1", PORT(40)));
}

/* Joining a reuseport group that is already listening. */
TEST_F(bind, reuseport_join_listener)
{
	int a = SOCK(0), b = SOCK(0);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, edu_set_reuseport(&variant->f, a, 1));
	ASSERT_EQ(0, edu_set_reuseport(&variant->f, b, 1));
	ASSERT_EQ(0, BIND(a, "127.0.0.1", PORT(41)));
	ASSERT_EQ(0, listen(a, 1));
	EXPECT_EQ(0, BIND(b, "127.0.0.1", PORT(41)));
	EXPECT_EQ(0, listen(b, 1));
}

TEST_F(bind, reuseport_first_only)
{
	int a = SOCK(0), b = SOCK(0);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, edu_set_reuseport(&variant->f, a, 1));
	ASSERT_EQ(0, BIND(a, "127.0.0.1", PORT(42)));
	EXPECT_EQ(-EADDRINUSE, BIND(b, "127.0.0.1", PORT(42)));
}

static void reuseport_as_nobody(const struct edu_family *f, int port,
				int *res)
{
	int fd;

	res[0] = setresuid(NOBODY, NOBODY, NOBODY) ? -errno : 0;
	fd = edu_socket(f, 0);
	res[1] = fd < 0 ? fd : edu_set_reuseport(f, fd, 1);
	res[2] = fd < 0 ? fd : edu_bind(f, fd, "127.0.0.1", port);
}

/* A reuseport group belongs to one user: another uid is refused. */
TEST_F(bind, reuseport_other_user)
{
	int a = SOCK(0), b = SOCK(0), res[3];

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, edu_set_reuseport(&variant->f, a, 1));
	ASSERT_EQ(0, edu_set_reuseport(&variant->f, b, 1));
	ASSERT_EQ(0, BIND(a, "127.0.0.1", PORT(43)));
	ASSERT_EQ(0, in_child(reuseport_as_nobody, &variant->f, PORT(43),
			      res, 3));
	EXPECT_EQ(0, res[0]);
	EXPECT_EQ(0, res[1]);
	EXPECT_EQ(-EADDRINUSE, res[2]);
	/* The same user may join. */
	EXPECT_EQ(0, BIND(b, "127.0.0.1", PORT(43)));
}

static int in_range(int port, int lo, int hi)
{
	return port >= lo && port <= hi;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* How many neighbours in a sorted array are equal. */
static int duplicates(int *v, int n)
{
	int i, d = 0;

	qsort(v, n, sizeof(*v), cmp_int);
	for (i = 1; i < n; i++)
		d += v[i] == v[i - 1];
	return d;
}

TEST_F(bind, ephemeral_port)
{
	struct sockaddr_in a;
	int lo, hi, fd = SOCK(0), fd2 = SOCK(0);

	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, edu_port_range(&lo, &hi));
	ASSERT_EQ(0, BIND(fd, "127.0.0.1", 0));
	ASSERT_EQ(0, edu_name(fd, 0, &a));
	EXPECT_EQ(htonl(INADDR_LOOPBACK), a.sin_addr.s_addr);
	EXPECT_TRUE(in_range(ntohs(a.sin_port), lo, hi))
		TH_LOG("port %d outside %d-%d", ntohs(a.sin_port), lo, hi);
	ASSERT_EQ(0, BIND(fd2, "0.0.0.0", 0));
	EXPECT_TRUE(in_range(edu_local_port(fd2), lo, hi));
	/* The picked port is held: nobody else may bind it. */
	EXPECT_EQ(-EADDRINUSE, BIND(SOCK(0), "127.0.0.1",
				    edu_local_port(fd2)));
}

#define NSOCK	64

TEST_F(bind, ephemeral_distinct_bound)
{
	int lo, hi, i, ports[NSOCK], fd;

	ASSERT_EQ(0, edu_port_range(&lo, &hi));
	for (i = 0; i < NSOCK; i++) {
		fd = SOCK(0);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, BIND(fd, "127.0.0.1", 0));
		ports[i] = edu_local_port(fd);
		EXPECT_TRUE(in_range(ports[i], lo, hi))
			TH_LOG("socket %d: port %d outside %d-%d", i,
			       ports[i], lo, hi);
	}
	EXPECT_EQ(0, duplicates(ports, NSOCK));
}

/* connect() binds implicitly; concurrent connections never share a port. */
TEST_F(bind, ephemeral_distinct_connected)
{
	int lo, hi, i, ports[NSOCK], fd[NSOCK], lfd, done = 0;

	ASSERT_EQ(0, edu_port_range(&lo, &hi));
	lfd = edu_keep(&self->fds, edu_listener(&variant->f, 0, "127.0.0.1",
						 PORT(50), 2 * NSOCK));
	ASSERT_LE(0, lfd);
	for (i = 0; i < NSOCK; i++) {
		fd[i] = edu_keep(&self->fds,
				 edu_connect_start(&variant->f, "127.0.0.1",
						   PORT(50)));
		ASSERT_LE(0, fd[i]);
	}
	for (i = 0; i < NSOCK; i++) {
		if (edu_wait_connected(fd[i], EDU_HANDSHAKE_MS) == 0)
			done++;
		ports[i] = edu_local_port(fd[i]);
		EXPECT_TRUE(in_range(ports[i], lo, hi))
			TH_LOG("client %d: port %d outside %d-%d", i, ports[i],
			       lo, hi);
	}
	EXPECT_EQ(NSOCK, done);
	EXPECT_EQ(0, duplicates(ports, NSOCK));
}

/*
 * The range is read at each bind(): narrowed to 8 ports, 8 sockets get
 * exactly those, a 9th finds none (EADDRINUSE), and a port given back is
 * handed out again.
 */
TEST_F(bind, ephemeral_range_exhausted)
{
	int i, fd[8], ports[8], last, other;

	ASSERT_EQ(0, set_range(self, PORT(900), PORT(907)));
	for (i = 0; i < 8; i++) {
		fd[i] = SOCK(0);
		ASSERT_LE(0, fd[i]);
		EXPECT_EQ(0, BIND(fd[i], "127.0.0.1", 0));
		ports[i] = edu_local_port(fd[i]);
		EXPECT_TRUE(in_range(ports[i], PORT(900), PORT(907)))
			TH_LOG("socket %d: port %d", i, ports[i]);
	}
	EXPECT_EQ(0, duplicates(ports, 8));
	last = SOCK(0);
	other = SOCK(0);
	ASSERT_LE(0, last);
	ASSERT_LE(0, other);
	EXPECT_EQ(-EADDRINUSE, BIND(last, "127.0.0.1", 0));
	/*
	 * Another specific address conflicts with none of them, so it
	 * still finds a port, shared with a socket on 127.0.0.1.
	 */
	EXPECT_EQ(0, BIND(other, "127.0.0.2", 0));
	EXPECT_TRUE(in_range(edu_local_port(other), PORT(900), PORT(907)));

	i = edu_local_port(fd[3]);
	edu_drop(&self->fds, fd[3]);
	EXPECT_EQ(0, BIND(last, "127.0.0.1", 0));
	EXPECT_EQ(i, edu_local_port(last));
}

/*
 * connect() picks its port from the same range; when no port is left for
 * that destination it fails with EADDRNOTAVAIL (not EADDRINUSE).
 */
TEST_F(bind, connect_ports_exhausted)
{
	int i, n = 0, lfd, fd, err = 0;

	lfd = edu_keep(&self->fds, edu_listener(&variant->f, 0, "127.0.0.1",
						 PORT(60), 64));
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, set_range(self, PORT(910), PORT(913)));
	for (i = 0; i < 5; i++) {
		fd = SOCK(SOCK_NONBLOCK);
		ASSERT_LE(0, fd);
		err = edu_connect(&variant->f, fd, "127.0.0.1", PORT(60));
		if (err != -EINPROGRESS)
			break;
		n++;
		EXPECT_TRUE(in_range(edu_local_port(fd), PORT(910),
				     PORT(913)));
	}
	EXPECT_EQ(4, n);
	EXPECT_EQ(-EADDRNOTAVAIL, err);
}

/*
 * Makes a TIME_WAIT on 127.0.0.1:port, the server's side: 0, or -errno
 * (-ETIMEDOUT: the client never saw the server's FIN).
 */
static int server_time_wait(const struct edu_family *f, unsigned short port,
			    int reuse)
{
	int lfd, cfd, afd, err = 0;
	ssize_t n;
	char c;

	lfd = edu_socket(f, SOCK_NONBLOCK);
	if (lfd < 0)
		return lfd;
	if (reuse)
		edu_setint(lfd, SOL_SOCKET, SO_REUSEADDR, 1);
	err = edu_bind(f, lfd, "127.0.0.1", port);
	if (!err && listen(lfd, 4))
		err = -errno;
	cfd = err ? -1 : edu_connected(f, "127.0.0.1", port);
	if (cfd < 0 && !err)
		err = cfd;
	afd = err ? -1 : edu_accept_wait(lfd, EDU_HANDSHAKE_MS);
	if (afd < 0 && !err)
		err = afd;
	close(lfd);
	if (!err) {
		/* The server closes first: TIME_WAIT is on its side. */
		close(afd);
		/* The client sees the FIN as end of stream, then closes. */
		if (!(edu_poll(cfd, POLLIN, EDU_HANDSHAKE_MS) & POLLIN))
			err = -ETIMEDOUT;
		else if ((n = read(cfd, &c, 1)))
			err = n < 0 ? -errno : -EPROTO;
		close(cfd);
		edu_msleep(100);
	}
	return err;
}

/* A TIME_WAIT keeps its port from a bind() without SO_REUSEADDR... */
TEST_F(bind, time_wait_blocks_bind)
{
	int fd = SOCK(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, server_time_wait(&variant->f, PORT(61), 1));
	EXPECT_EQ(-EADDRINUSE, BIND(fd, "127.0.0.1", PORT(61)));
	EXPECT_EQ(-EADDRINUSE, BIND(fd, "0.0.0.0", PORT(61)));
}

/* ...while SO_REUSEADDR on both lets a new listener take the port. */
TEST_F(bind, time_wait_reuseaddr)
{
	int fd = SOCK(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, server_time_wait(&variant->f, PORT(62), 1));
	ASSERT_EQ(0, edu_setint(fd, SOL_SOCKET, SO_REUSEADDR, 1));
	EXPECT_EQ(0, BIND(fd, "127.0.0.1", PORT(62)));
	EXPECT_EQ(0, listen(fd, 4));
}

/* It takes both: the TIME_WAIT remembers the listener's SO_REUSEADDR. */
TEST_F(bind, time_wait_reuseaddr_new_only)
{
	int fd = SOCK(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, server_time_wait(&variant->f, PORT(63), 0));
	ASSERT_EQ(0, edu_setint(fd, SOL_SOCKET, SO_REUSEADDR, 1));
	EXPECT_EQ(-EADDRINUSE, BIND(fd, "127.0.0.1", PORT(63)));
}

TEST_HARNESS_MAIN
