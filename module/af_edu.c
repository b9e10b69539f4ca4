// SPDX-License-Identifier: GPL-2.0
/*
 * af_edu.c - the AF_EDU address family: socket creation, the proto_ops
 * table and module init/exit.  The socket core they sit on (allocation,
 * memory accounting, state changes) is sock.c.
 *
 * Module init registers, in order: the protocol (its slab), the per-network
 * namespace state, the IPv4 protocol handler and last the socket family, so
 * that no socket can be created before the rest is ready.  Exit and every
 * error path unwind in exactly the reverse order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <net/protocol.h>
#include <net/sock.h>

#include "edu.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

int edu_family = AF_EDU;
module_param_named(family, edu_family, int, 0444);
MODULE_PARM_DESC(family, "address family number to register (default "
		 __stringify(AF_EDU) ")");

int edu_ipproto = IPPROTO_EDUTCP;
module_param_named(ipproto, edu_ipproto, int, 0444);
MODULE_PARM_DESC(ipproto, "IPv4 protocol number carrying EDUTCP (default "
		 __stringify(IPPROTO_EDUTCP) ")");

/* getsockname()/getpeername(), inet_getname()'s rules. */
static int edu_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	DECLARE_SOCKADDR(struct sockaddr_edu *, sin, uaddr);
	struct sock *sk = sock->sk;

	lock_sock(sk);
	sin->sedu_family = edu_family;
	if (peer) {
		if (!sk->sk_dport ||
		    (((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_SYN_SENT)) &&
		     peer == 1)) {
			release_sock(sk);
			return -ENOTCONN;
		}
		sin->sedu_port = sk->sk_dport;
		sin->sedu_addr.s_addr = sk->sk_daddr;
	} else {
		sin->sedu_port = htons(sk->sk_num);
		sin->sedu_addr.s_addr = sk->sk_rcv_saddr;
	}
	release_sock(sk);
	memset(sin->sedu_zero, 0, sizeof(sin->sedu_zero));
	return sizeof(*sin);
}

/* poll(): tcp_poll()'s event sets, state by state. */
static __poll_t edu_poll(struct file *file, struct socket *sock,
			 poll_table *wait)
{
	struct sock *sk = sock->sk;
	__poll_t mask = 0;
	int state;

	sock_poll_wait(file, sock, wait);
	state = inet_sk_state_load(sk);
	if (state == TCP_LISTEN)
		return READ_ONCE(sk->sk_ack_backlog) ? EPOLLIN | EPOLLRDNORM : 0;

	if (READ_ONCE(sk->sk_shutdown) == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if (state != TCP_SYN_SENT && state != TCP_SYN_RECV) {
		if (edu_stream_readable(sk))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN) {
			mask |= EPOLLOUT | EPOLLWRNORM;
		} else if (sk_stream_is_writeable(sk)) {
			mask |= EPOLLOUT | EPOLLWRNORM;
		} else {
			sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
			set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
			/* NOSPACE before the second look, which an ACK
			 * freeing space in between must not miss: it tests
			 * NOSPACE after freeing (edu_write_space()).
			 */
			smp_mb__after_atomic();
			if (sk_stream_is_writeable(sk))
				mask |= EPOLLOUT | EPOLLWRNORM;
		}
	}
	/* pairs with the smp_wmb() in edu_reset() */
	smp_rmb();
	if (READ_ONCE(sk->sk_err))
		mask |= EPOLLERR;
	return mask;
}

/* shutdown(): inet_shutdown()'s rules; SHUT_RD stops a listener. */
static int edu_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	int err = 0;

	how++;	/* SHUT_RD/WR/RDWR (0..2) to RCV/SEND_SHUTDOWN bits */
	if ((how & ~SHUTDOWN_MASK) || !how)
		return -EINVAL;

	lock_sock(sk);
	if (sock->state == SS_CONNECTING) {
		if ((1 << sk->sk_state) &
		    (TCPF_SYN_SENT | TCPF_SYN_RECV | TCPF_CLOSE))
			sock->state = SS_DISCONNECTING;
		else
			sock->state = SS_CONNECTED;
	}

	switch (sk->sk_state) {
	case TCP_CLOSE:
		err = -ENOTCONN;
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		break;
	case TCP_LISTEN:
		if (!(how & RCV_SHUTDOWN))
			break;
		fallthrough;
	case TCP_SYN_SENT:
		err = edu_disconnect(sk);
		sock->state = err ? SS_DISCONNECTING : SS_UNCONNECTED;
		break;
	default:
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		if (how & SEND_SHUTDOWN)
			edu_shutdown_send(sk);
		break;
	}
	sk->sk_state_change(sk);
	release_sock(sk);
	return err;
}

static const struct proto_ops edu_stream_ops = {
	.family		= PF_EDU,
	.owner		= THIS_MODULE,
	.release	= edu_release,
	.bind		= edu_bind,
	.connect	= edu_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= edu_accept,
	.getname	= edu_getname,
	.poll		= edu_poll,
	.ioctl		= edu_ioctl,
	.listen		= edu_listen,
	.shutdown	= edu_shutdown,
	.setsockopt	= edu_setsockopt,
	.getsockopt	= edu_getsockopt,
	.sendmsg	= edu_sendmsg,
	.recvmsg	= edu_recvmsg,
	.mmap		= sock_no_mmap,
	.sendpage	= sock_no_sendpage,
};

/*
 * socket(AF_EDU, type, protocol).  The checks and their errno follow
 * inet_create(): a type the family does not know is ESOCKTNOSUPPORT, a
 * protocol that does not fit the type is EPROTONOSUPPORT.
 */
static int edu_create(struct net *net, struct socket *sock, int protocol,
		      int kern)
{
	struct sock *sk;

	if (protocol < 0 || protocol >= IPPROTO_MAX)
		return -EINVAL;
	if (sock->type != SOCK_STREAM)
		return -ESOCKTNOSUPPORT;
	if (protocol && protocol != edu_ipproto)
		return -EPROTONOSUPPORT;

	sock->state = SS_UNCONNECTED;
	sock->ops = &edu_stream_ops;
	sk = edu_sock_alloc(net, sock, GFP_KERNEL, kern);
	if (!sk)
		return -ENOBUFS;
	return 0;
}

static struct net_proto_family edu_family_ops = {
	.create	= edu_create,
	.owner	= THIS_MODULE,
};

static const struct net_protocol edu_net_protocol = {
	.handler	= edu_rcv,
	.err_handler	= edu_err,
	.no_policy	= 1,
};

static int __init edu_init(void)
{
	int err;

	if (edu_family <= AF_UNSPEC || edu_family >= NPROTO) {
		pr_err("family=%d is out of range (1..%d)\n", edu_family,
		       NPROTO - 1);
		return -EINVAL;
	}
	if (edu_ipproto <= 0 || edu_ipproto >= MAX_INET_PROTOS) {
		pr_err("ipproto=%d is out of range (1..%d)\n", edu_ipproto,
		       MAX_INET_PROTOS - 1);
		return -EINVAL;
	}

	edu_tables_init();
	edu_cookie_init();
	edu_sysctl_mem_init();
	err = edu_proto_register();
	if (err)
		return err;

	err = edu_sysctl_global_init();
	if (err)
		goto err_unreg_proto;

	err = edu_netns_init();
	if (err)
		goto err_sysctl;

	if (inet_add_protocol(&edu_net_protocol, edu_ipproto) < 0) {
		pr_err("IP protocol %d is already taken; choose another with ipproto=\n",
		       edu_ipproto);
		err = -EEXIST;
		goto err_unreg_netns;
	}

	edu_family_ops.family = edu_family;
	err = sock_register(&edu_family_ops);
	if (err) {
		if (err == -EEXIST)
			pr_err("address family %d is already registered; choose a free one with family=\n",
			       edu_family);
		goto err_del_protocol;
	}

	edu_debugfs_init();
	pr_info("EDUTCP loaded: family %d, IP protocol %d\n", edu_family,
		edu_ipproto);
	return 0;

err_del_protocol:
	inet_del_protocol(&edu_net_protocol, edu_ipproto);
	synchronize_net();
err_unreg_netns:
	edu_netns_exit();
err_sysctl:
	edu_sysctl_global_exit();
err_unreg_proto:
	edu_proto_unregister();
	return err;
}

static void __exit edu_exit(void)
{
	edu_debugfs_exit();
	sock_unregister(edu_family);
	/* No packet may still be inside edu_rcv() once we go on. */
	inet_del_protocol(&edu_net_protocol, edu_ipproto);
	synchronize_net();
	edu_netns_exit();
	edu_wait_for_sockets();
	edu_memory_check();
	edu_sysctl_global_exit();
	edu_proto_unregister();
}

module_init(edu_init);
module_exit(edu_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("AF_EDU: EDUTCP, a teaching TCP with explicit SYN and accept queues");
MODULE_ALIAS_NETPROTO(AF_EDU);
