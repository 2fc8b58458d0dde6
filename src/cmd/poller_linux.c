/* SPDX-License-Identifier: MIT */
/*
 * The command set's poller on Linux: an epoll instance, so that a wake-up
 * costs the same however many pipes and pidfds are watched, and a timerfd
 * in it, so that the one fd a caller's own event loop watches is readable
 * when a timer is due too.
 */
#include "cmd.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define TIMER_KEY UINT64_MAX
#define EVENTS 32

struct cmd_poller {
	int ep, timer;
	int64_t armed; /* when the timer is due, or -1 */
	/* Here rather than on the stack: a set may be driven from a thread
	 * with a 16 KiB stack. */
	struct epoll_event ev[EVENTS];
};

int poller_new(struct cmd_poller **out)
{
	struct cmd_poller *p = malloc(sizeof *p);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TIMER_KEY};
	int r;

	if (p == NULL)
		return -ENOMEM;
	p->armed = -1;
	p->ep = epoll_create1(EPOLL_CLOEXEC);
	p->timer = p->ep < 0 ? -1 : timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (p->timer < 0 || epoll_ctl(p->ep, EPOLL_CTL_ADD, p->timer, &ev) < 0) {
		r = -errno;
		poller_free(p);
		return r;
	}
	*out = p;
	return 0;
}

void poller_free(struct cmd_poller *p)
{
	if (p == NULL)
		return;
	if (p->timer >= 0)
		close(p->timer);
	if (p->ep >= 0)
		close(p->ep);
	free(p);
}

int poller_fd(const struct cmd_poller *p)
{
	return p->ep;
}

int poller_add(struct cmd_poller *p, int fd, short events, uint64_t key)
{
	struct epoll_event ev = {.events = (events & POLLOUT) ? EPOLLOUT : EPOLLIN,
	                         .data.u64 = key};

	return epoll_ctl(p->ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

void poller_del(struct cmd_poller *p, int fd)
{
	/* A kernel before 2.6.9 wants an event even here. */
	struct epoll_event ev = {0};

	(void)epoll_ctl(p->ep, EPOLL_CTL_DEL, fd, &ev);
}

static short poll_bits(uint32_t e)
{
	return (short)(((e & EPOLLIN) ? POLLIN : 0) | ((e & EPOLLOUT) ? POLLOUT : 0) |
	               ((e & EPOLLHUP) ? POLLHUP : 0) | ((e & EPOLLERR) ? POLLERR : 0));
}

int poller_wait(struct cmd_poller *p, struct cmd_event *out, int max, int timeout_ms)
{
	struct epoll_event *ev = p->ev;
	int n, k = 0;

	n = epoll_wait(p->ep, ev, max < EVENTS ? max : EVENTS, timeout_ms);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		if (ev[i].data.u64 == TIMER_KEY) {
			uint64_t ticks;

			/* Read so it stops polling readable; the set looks at
			 * its own deadlines on every wake-up. */
			(void)!read(p->timer, &ticks, sizeof ticks);
			p->armed = -1;
			continue;
		}
		out[k++] = (struct cmd_event){.key = ev[i].data.u64,
		                              .revents = poll_bits(ev[i].events)};
	}
	return k;
}

void poller_arm(struct cmd_poller *p, int64_t at_ms)
{
	struct itimerspec its = {{0, 0}, {0, 0}};

	if (at_ms == p->armed)
		return;
	p->armed = at_ms;
	if (at_ms >= 0) {
		/* 0 would disarm: the earliest absolute time is 1 ns. */
		its.it_value.tv_sec = at_ms / 1000;
		its.it_value.tv_nsec = (at_ms % 1000) * 1000000 + 1;
	}
	(void)timerfd_settime(p->timer, TFD_TIMER_ABSTIME, &its, NULL);
}
