#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds one peer without failing the build: a peer that cannot be built is
# reported as missing by the benchmark, with the reason left here in
# OUTPUT.missing, instead of stopping every other measurement.
#
#   build-peer.sh OUTPUT STAMP COMMAND [ARGS...]
out=$1 stamp=$2
shift 2
if log=$("$@" 2>&1); then
	rm -f "$out.missing"
else
	rm -f "$out"
	printf 'build failed: %s\n' "$(printf '%s\n' "$log" | grep -v '^#' | head -n 1)" >"$out.missing"
	printf '%s\n' "$log" >&2
	echo "bench: $(basename "$out") not built; it will be reported as missing" >&2
fi
touch "$stamp"
