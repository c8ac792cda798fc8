#!/usr/bin/env bash
# Run the SenseOps simulator (a Qlik Sense site: UDP events and the HTTPS
# APIs with mutual TLS) in the background and the collector in the
# foreground; the simulator is stopped when the collector exits (Ctrl-C too).
#
# Usage: scripts/run.sh [collector-binary] [collector-config] [sensesim-binary]
# (`make run` passes all three.)
set -euo pipefail

COLLECTOR="${1:-_build/otelcol-senseops/otelcol-senseops}"
CONFIG="${2:-distributions/otelcol-senseops/config.yaml}"
SENSESIM="${3:-_build/bin/sensesim}"
CERT_DIR="_build/sensesim-certs"
SITE_FILE="$CERT_DIR/site.json"
# Sends to 127.0.0.1:9996 and serves two servers on 127.0.0.1:14747 and :14748.
# The collector needs the simulator's certificates, so the simulator starts
# first; it sends nothing until the collector's health_check answers (the
# receivers listen by then), so no datagram is refused at the start.
SIM_ARGS=(run -rate "${SENSESIM_RATE:-20}" -cert-dir "$CERT_DIR" -site-file "$SITE_FILE" -quiet
	-wait-for "${COLLECTOR_HEALTH_URL:-http://127.0.0.1:13133/}")

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

rm -f "$SITE_FILE"
echo "run.sh: starting $SENSESIM ${SIM_ARGS[*]}" >&2
"$SENSESIM" "${SIM_ARGS[@]}" &
sim_pid=$!

# The simulator writes its certificates, then the site file once it listens.
for _ in $(seq 1 300); do
	[[ -f "$SITE_FILE" ]] && break
	kill -0 "$sim_pid" 2>/dev/null || { echo "run.sh: the simulator exited" >&2; exit 1; }
	sleep 0.1
done
[[ -f "$SITE_FILE" ]] || { echo "run.sh: the simulator did not start within 30 s" >&2; exit 1; }

echo "run.sh: starting $COLLECTOR --config=$CONFIG (Ctrl-C to stop); metrics also on http://localhost:9464/metrics" >&2
rc=0
"$COLLECTOR" --config="$CONFIG" || rc=$?
exit "$rc"
