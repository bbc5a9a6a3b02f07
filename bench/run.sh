#!/bin/sh
# One command for the side-by-side benchmark (see bench/README.md):
#   bench/run.sh [--reps N] [--seconds S] [--only direct,pen,haproxy,jpen,jpen-cluster] [--skip-build]
# Needs root for apt-get only when nginx-light, haproxy, wrk, iperf or pen are missing.
exec python3 "$(dirname "$0")/bench.py" "$@"
