/* SPDX-License-Identifier: MIT */
/*
 * Peer: GLib's g_spawn_sync, with the default flags (which close the
 * parent's other fds in the child) and, for capture, its standard_output.
 */
#include "peer_common.h"

#include <glib.h>

int main(int argc, char **argv)
{
	struct peer_args a;
	bool capture;

	peer_setup(&a, argc, argv);
	capture = strcmp(a.mode, "capture") == 0;
	if (!capture && strcmp(a.mode, "spawn") != 0) {
		fprintf(stderr, "peer-glib: mode %s not supported\n", a.mode);
		return 3;
	}
	for (int i = 0; i < a.count; i++) {
		GError *err = NULL;
		gchar *out = NULL;
		gint status = 0;
		long long t0 = peer_now_ns();
		gboolean ok = g_spawn_sync(NULL, a.argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
		                           capture ? &out : NULL, NULL, &status, &err);

		a.samples[i] = peer_now_ns() - t0;
		if (!ok || status != 0 || (capture && strlen(out) != a.nbytes)) {
			fprintf(stderr, "peer-glib: %s\n",
			        err ? err->message : "bad status or size");
			return 1;
		}
		g_free(out);
	}
	peer_print(&a);
	return 0;
}
