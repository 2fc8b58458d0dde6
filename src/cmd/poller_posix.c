/* SPDX-License-Identifier: MIT */
/*
 * The command set's poller in the portable build: poll(2) over an array.
 * A wake-up costs time in the number of fds watched (the running commands,
 * not the queued ones), and there is no single fd for another event loop
 * to watch.
 */
#include "cmd.h"

#include <errno.h>
#include <stdlib.h>

struct cmd_poller {
	struct pollfd *pfd;
	uint64_t *keys;
	size_t n, cap;
};

int poller_new(struct cmd_poller **out)
{
	struct cmd_poller *p = calloc(1, sizeof *p);

	if (p == NULL)
		return -ENOMEM;
	*out = p;
	return 0;
}

void poller_free(struct cmd_poller *p)
{
	if (p == NULL)
		return;
	free(p->pfd);
	free(p->keys);
	free(p);
}

int poller_fd(const struct cmd_poller *p)
{
	(void)p;
	return -ENOSYS;
}

int poller_add(struct cmd_poller *p, int fd, short events, uint64_t key)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct pollfd *pfd = realloc(p->pfd, cap * sizeof *pfd);
		uint64_t *keys;

		if (pfd == NULL)
			return -ENOMEM;
		p->pfd = pfd;
		if ((keys = realloc(p->keys, cap * sizeof *keys)) == NULL)
			return -ENOMEM;
		p->keys = keys;
		p->cap = cap;
	}
	p->pfd[p->n] = (struct pollfd){.fd = fd, .events = events};
	p->keys[p->n++] = key;
	return 0;
}

void poller_del(struct cmd_poller *p, int fd)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->pfd[i].fd == fd) {
			p->pfd[i] = p->pfd[--p->n];
			p->keys[i] = p->keys[p->n];
			return;
		}
	}
}

int poller_wait(struct cmd_poller *p, struct cmd_event *ev, int max, int timeout_ms)
{
	int n = poll(p->pfd, (nfds_t)p->n, timeout_ms), k = 0;

	if (n < 0)
		return -errno;
	for (size_t i = 0; i < p->n && k < max; i++) {
		if (p->pfd[i].revents != 0)
			ev[k++] =
				(struct cmd_event){.key = p->keys[i], .revents = p->pfd[i].revents};
	}
	return k;
}

void poller_arm(struct cmd_poller *p, int64_t at_ms)
{
	/* The set's own waits time out at its deadlines. */
	(void)p;
	(void)at_ms;
}
