/* SPDX-License-Identifier: MIT */
/*
 * Peer: libuv's uv_spawn, one loop run per child (spawn, read, exit
 * callback, close), as a libuv program would run a command.
 */
#include "peer_common.h"

#include <uv.h>

struct run {
	uv_process_t proc;
	uv_pipe_t out;
	char *buf;
	size_t len, cap;
	int status;
	int failed;
};

static void on_close(uv_handle_t *h)
{
	(void)h;
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
	struct run *r = p->data;

	r->status = (int)status | sig;
	uv_close((uv_handle_t *)p, on_close);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct run *r = h->data;

	(void)hint;
	if (r->cap - r->len < 65536) {
		r->cap = r->cap ? r->cap * 2 : 1 << 20;
		r->buf = realloc(r->buf, r->cap);
		if (r->buf == NULL)
			abort();
	}
	*b = uv_buf_init(r->buf + r->len, 65536);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct run *r = s->data;

	(void)b;
	if (n > 0) {
		r->len += (size_t)n;
		return;
	}
	if (n < 0) {
		if (n != UV_EOF)
			r->failed = 1;
		uv_close((uv_handle_t *)s, on_close);
	}
}

int main(int argc, char **argv)
{
	struct peer_args a;
	uv_loop_t *loop = uv_default_loop();
	bool capture;

	peer_setup(&a, argc, argv);
	capture = strcmp(a.mode, "capture") == 0;
	if (!capture && strcmp(a.mode, "spawn") != 0) {
		fprintf(stderr, "peer-libuv: mode %s not supported\n", a.mode);
		return 3;
	}
	for (int i = 0; i < a.count; i++) {
		struct run r = {0};
		uv_stdio_container_t stdio[3] = {
			{.flags = UV_INHERIT_FD, .data.fd = 0},
			{.flags = UV_INHERIT_FD, .data.fd = 1},
			{.flags = UV_INHERIT_FD, .data.fd = 2},
		};
		uv_process_options_t o = {0};
		long long t0 = peer_now_ns();
		int e;

		o.file = a.argv[0];
		o.args = a.argv;
		o.exit_cb = on_exit_cb;
		o.stdio = stdio;
		o.stdio_count = 3;
		r.proc.data = &r;
		if (capture) {
			uv_pipe_init(loop, &r.out, 0);
			r.out.data = &r;
			stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
			stdio[1].data.stream = (uv_stream_t *)&r.out;
		}
		e = uv_spawn(loop, &r.proc, &o);
		if (e != 0) {
			fprintf(stderr, "peer-libuv: uv_spawn: %s\n", uv_strerror(e));
			return 1;
		}
		if (capture)
			uv_read_start((uv_stream_t *)&r.out, on_alloc, on_read);
		uv_run(loop, UV_RUN_DEFAULT);
		a.samples[i] = peer_now_ns() - t0;
		if (r.failed || r.status != 0 || (capture && r.len != a.nbytes)) {
			fprintf(stderr, "peer-libuv: status %d, read %zu bytes\n", r.status, r.len);
			return 1;
		}
		free(r.buf);
	}
	peer_print(&a);
	return 0;
}
