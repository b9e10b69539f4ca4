// SPDX-License-Identifier: GPL-2.0
/*
 * accept.c - the system calls of a listener: listen() and accept(), as
 * Linux's inet_listen() and inet_csk_accept().
 *
 * listen() makes a socket a listener; from then on listen.c answers its
 * segments, and children made there wait in its accept queue until
 * accept() takes the first of them.  The accept queue is edu_queues'
 * (listen.c's top comment has the queues and the lock order).
 */
#include "edu.h"

/*
 * listen(): inet_listen()'s rules.  The socket layer has already clamped
 * the backlog to somaxconn (so -1 means somaxconn).  A second listen()
 * only changes the backlog.
 */
int edu_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	int err;

	lock_sock(sk);
	err = -EINVAL;
	if (sock->state != SS_UNCONNECTED ||
	    !((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
		goto out;

	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	if (sk->sk_state != TCP_LISTEN) {
		/* Ask for the port again: listening changes what may share it. */
		err = edu_get_port(sk, sk->sk_num);
		if (err)
			goto out;
		WRITE_ONCE(sk->sk_ack_backlog, 0);
		edu_set_state(sk, TCP_LISTEN);
	}
	err = 0;
out:
	release_sock(sk);
	return err;
}

/* Sleep until a child is queued (inet_csk_wait_for_connect()). */
static int edu_wait_for_child(struct sock *sk, long timeo)
{
	DEFINE_WAIT(wait);
	int err;

	for (;;) {
		/* Exclusive: one connection wakes one accept(). */
		prepare_to_wait_exclusive(sk_sleep(sk), &wait,
					  TASK_INTERRUPTIBLE);
		release_sock(sk);
		if (!READ_ONCE(sk->sk_ack_backlog))
			timeo = schedule_timeout(timeo);
		sched_annotate_sleep();
		lock_sock(sk);
		err = 0;
		if (sk->sk_ack_backlog)
			break;
		err = -EINVAL;
		if (sk->sk_state != TCP_LISTEN)
			break;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			break;
		err = -EAGAIN;
		if (!timeo)
			break;
	}
	finish_wait(sk_sleep(sk), &wait);
	return err;
}

int edu_accept(struct socket *sock, struct socket *newsock, int flags,
	       bool kern)
{
	struct sock *sk = sock->sk;
	struct edu_queues *q = &edu_sk(sk)->q;
	struct edu_sock *ces;
	struct sock *child;
	int err;

	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != TCP_LISTEN)
		goto out;
	if (!sk->sk_ack_backlog) {
		long timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);

		err = -EAGAIN;
		if (!timeo)
			goto out;
		err = edu_wait_for_child(sk, timeo);
		if (err)
			goto out;
	}

	spin_lock_bh(&q->lock);
	ces = list_first_entry(&q->accept_queue, struct edu_sock, accept_node);
	list_del_init(&ces->accept_node);
	sk_acceptq_removed(sk);
	spin_unlock_bh(&q->lock);
	edu_trace_acceptq(sk, ces->sk.sk_daddr, ces->sk.sk_dport, EDU_TQ_REMOVE);
	release_sock(sk);

	/* The accept queue's reference on the child passes to newsock. */
	child = &ces->sk;
	lock_sock(child);
	edu_memcg_accept(child);
	sock_graft(child, newsock);
	newsock->state = SS_CONNECTED;
	release_sock(child);
	return 0;
out:
	release_sock(sk);
	return err;
}
