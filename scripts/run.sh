#!/usr/bin/env bash
# Run the SenseOps simulator in the background and the collector in the
# foreground; the simulator is stopped when the collector exits (Ctrl-C too).
#
# Usage: scripts/run.sh [collector-binary] [collector-config] [sensesim-binary]
# (`make run` passes all three.)
set -euo pipefail

COLLECTOR="${1:-_build/otelcol-senseops/otelcol-senseops}"
CONFIG="${2:-distributions/otelcol-senseops/config.yaml}"
SENSESIM="${3:-_build/bin/sensesim}"
SIM_ARGS=(udp -rate "${SENSESIM_RATE:-20}")   # sends to 127.0.0.1:9996

for f in "$COLLECTOR" "$SENSESIM"; do
	[[ -x "$f" ]] || { echo "run.sh: $f not found or not executable (run: make build sensesim)" >&2; exit 1; }
done

sim_pid=""
cleanup() {
	if [[ -n "$sim_pid" ]] && kill -0 "$sim_pid" 2>/dev/null; then
		kill "$sim_pid" 2>/dev/null || true
		wait "$sim_pid" 2>/dev/null || true
	fi
}
trap cleanup EXIT
# Ctrl-C goes to the whole foreground process group; let the collector shut
# down gracefully and do the cleanup on EXIT instead of dying here first.
trap ':' INT TERM

echo "run.sh: starting $SENSESIM ${SIM_ARGS[*]}" >&2
"$SENSESIM" "${SIM_ARGS[@]}" &
sim_pid=$!

echo "run.sh: starting $COLLECTOR --config=$CONFIG (Ctrl-C to stop)" >&2
rc=0
"$COLLECTOR" --config="$CONFIG" || rc=$?
exit "$rc"
