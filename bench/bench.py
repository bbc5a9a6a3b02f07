#!/usr/bin/env python3
"""Side-by-side benchmark: direct, Pen, HAProxy, jpen stand-alone, jpen as a node of a 2-node cluster.

Everything binds to 127.0.0.x. The load generator runs on CPU 0; balancers and the two nginx backends share CPU 1.
Runs are interleaved (A B C ... A B C ...), each bounded in time; only processes started here are stopped (by PID).
Writes bench/results/latest.md (Markdown table) and bench/results/latest.json (raw figures).

Usage: bench/run.sh [--reps N] [--seconds S] [--only direct,pen,haproxy,jpen,jpen-cluster] [--skip-build]
"""
import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CLIENT_CPU = "0"
SERVER_CPU = "1"
NGINX_PORTS = (18181, 18182)
IPERF_PORT = 18190
PORTS = {"pen": 18081, "haproxy": 18082, "jpen": 18083, "jpen-cluster": 18084}
STREAM_PORTS = {"direct": IPERF_PORT, "pen": 18091, "haproxy": 18092, "jpen": 18093, "jpen-cluster": 18094}
BALANCERS = ["direct", "pen", "haproxy", "jpen", "jpen-cluster"]
HUNDRED = b"x" * 99 + b"\n"

started = []  # (name, Popen)


def log(*a):
    print("[bench]", *a, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=isinstance(cmd, str), check=True, **kw)


def ensure_packages():
    need = {"nginx": "nginx-light", "haproxy": "haproxy", "wrk": "wrk", "iperf": "iperf", "pen": "pen", "taskset": "util-linux"}
    missing = [pkg for exe, pkg in need.items() if shutil.which(exe) is None and not Path("/usr/sbin/" + exe).exists()]
    if missing:
        log("installing", " ".join(missing))
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        sh(["apt-get", "update", "-qq"], env=env)
        sh(["apt-get", "install", "-y", "-qq", *missing], env=env, stdout=subprocess.DEVNULL)


def start(name, cmd, cpu, **kw):
    p = subprocess.Popen(["taskset", "-c", cpu, *cmd], stdout=kw.pop("stdout", subprocess.DEVNULL),
                         stderr=kw.pop("stderr", subprocess.DEVNULL), start_new_session=True, **kw)
    started.append((name, p))
    return p


def stop_all():
    for name, p in reversed(started):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.time() + 10
    for name, p in reversed(started):
        try:
            p.wait(max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            p.kill()


def wait_port(port, host="127.0.0.1", timeout=60):
    import socket
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection((host, port), 0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {host}:{port} after {timeout}s")


def nginx(tmp, port):
    prefix = tmp / f"nginx-{port}"
    (prefix / "www").mkdir(parents=True)
    (prefix / "logs").mkdir()
    (prefix / "www" / "1m").write_bytes(os.urandom(1 << 20))
    (prefix / "www" / "100b").write_bytes(HUNDRED)
    conf = prefix / "nginx.conf"
    conf.write_text(f"""
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 8192; }}
http {{
  access_log off;
  sendfile on;
  tcp_nodelay on;
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  client_body_temp_path {prefix}/cb;
  proxy_temp_path {prefix}/pt;
  fastcgi_temp_path {prefix}/ft;
  uwsgi_temp_path {prefix}/ut;
  scgi_temp_path {prefix}/st;
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    root {prefix}/www;
    # one write per response (as a small dynamic reply): Pen, which never sets TCP_NODELAY, would otherwise stall
    # on Nagle + delayed ACK at ~25 requests/s per connection for a header+body static file
    location = /100b {{ default_type text/plain; return 200 "{HUNDRED.decode().strip()}\n"; }}
    location / {{ default_type application/octet-stream; }}
  }}
}}
""")
    start(f"nginx-{port}", ["/usr/sbin/nginx", "-p", str(prefix), "-e", str(prefix / "logs" / "error.log"), "-c", str(conf)], SERVER_CPU)
    wait_port(port)


def haproxy(tmp):
    cfg = tmp / "haproxy.cfg"
    cfg.write_text(f"""
global
  nbthread 1
  maxconn 8000
defaults
  mode tcp
  timeout connect 3s
  timeout client 120s
  timeout server 120s
frontend http
  bind 127.0.0.1:{PORTS['haproxy']}
  default_backend web
backend web
  balance roundrobin
  server s1 127.0.0.1:{NGINX_PORTS[0]}
  server s2 127.0.0.1:{NGINX_PORTS[1]}
frontend stream
  bind 127.0.0.1:{STREAM_PORTS['haproxy']}
  default_backend iperf
backend iperf
  server i 127.0.0.1:{IPERF_PORT}
""")
    return start("haproxy", ["/usr/sbin/haproxy", "-db", "-f", str(cfg)], SERVER_CPU)


def jpen_cmd(port, backends, extra=()):
    return [str(ROOT / "jpen"), "-r", "-x", "20000", *extra, f"127.0.0.1:{port}", *backends]


def start_balancers(tmp, which):
    """Returns {name: pid whose CPU and RSS are measured}."""
    pids = {}
    backends = [f"127.0.0.1:{p}" for p in NGINX_PORTS]
    stream_backend = [f"127.0.0.1:{IPERF_PORT}"]
    if "pen" in which:
        pids["pen"] = start("pen", ["pen", "-f", "-r", "-x", "20000", f"127.0.0.1:{PORTS['pen']}", *backends], SERVER_CPU).pid
        start("pen-stream", ["pen", "-f", "-r", f"127.0.0.1:{STREAM_PORTS['pen']}", *stream_backend], SERVER_CPU)
    if "haproxy" in which:
        pids["haproxy"] = haproxy(tmp).pid
    env = dict(os.environ, JPEN_HEAP=os.environ.get("JPEN_HEAP", "64m"))
    if "jpen" in which:
        pids["jpen"] = start("jpen", jpen_cmd(PORTS["jpen"], backends), SERVER_CPU, env=env,
                             stderr=open(tmp / "jpen.log", "w")).pid
        start("jpen-stream", jpen_cmd(STREAM_PORTS["jpen"], stream_backend), SERVER_CPU, env=env)
    if "jpen-cluster" in which:
        cenv = dict(os.environ, JPEN_HEAP=os.environ.get("JPEN_CLUSTER_HEAP", "192m"))
        members = "--cluster-members=127.0.0.1,127.0.0.2"
        pids["jpen-cluster"] = start("jpen-cluster", jpen_cmd(PORTS["jpen-cluster"], backends,
                                     (members, "--cluster-bind=127.0.0.1", "--cluster-name=bench")), SERVER_CPU,
                                     env=cenv, stderr=open(tmp / "jpen-cluster.log", "w")).pid
        wait_port(PORTS["jpen-cluster"])
        start("jpen-cluster-peer", [str(ROOT / "jpen"), "-r", members, "--cluster-bind=127.0.0.2", "--cluster-name=bench",
                                    f"127.0.0.2:{PORTS['jpen-cluster']}", *backends], SERVER_CPU, env=cenv,
              stderr=open(tmp / "jpen-cluster-peer.log", "w"))
        start("jpen-cluster-stream", jpen_cmd(STREAM_PORTS["jpen-cluster"], stream_backend), SERVER_CPU, env=env)
    for name in which:
        if name != "direct":
            wait_port(PORTS[name])
            wait_port(STREAM_PORTS[name])
    return pids


def cpu_seconds(pid):
    f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def port_of(name):
    return NGINX_PORTS[0] if name == "direct" else PORTS[name]


def wrk(port, path, conns, seconds, close=False):
    cmd = ["taskset", "-c", CLIENT_CPU, "wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "5s"]
    if close:
        cmd += ["-H", "Connection: close"]
    cmd.append(f"http://127.0.0.1:{port}{path}")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout
    req = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", out)
    unit = {"B": 1e-6, "KB": 1024 / 1e6, "MB": 1024 * 1024 / 1e6, "GB": 1024 ** 3 / 1e6}[m.group(2)]
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    bad = (sum(int(x) for x in errs.groups()) if errs else 0) + (int(non2xx.group(1)) if non2xx else 0)
    return {"requests": req, "rps": rps, "mbps": float(m.group(1)) * unit, "errors": bad}


def iperf(port, seconds):
    out = subprocess.run(["taskset", "-c", CLIENT_CPU, "iperf", "-c", "127.0.0.1", "-p", str(port), "-t", str(seconds),
                          "-f", "m"], capture_output=True, text=True, timeout=seconds + 30).stdout
    m = re.findall(r"([\d.]+) Mbits/sec", out)
    return {"mbps": float(m[-1]) / 8 if m else float("nan")}


def latency(port, seconds, rate):
    out = subprocess.run(["taskset", "-c", CLIENT_CPU, "java", "-XX:+UseSerialGC", str(ROOT / "bench" / "LatencyProbe.java"),
                          "127.0.0.1", str(port), "/100b", str(rate), str(seconds), "8"],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    m = re.search(r"p50_ms ([\d.na]+) p99_ms ([\d.na]+) max_ms ([\d.na]+) completed (\d+) errors (\d+)", out)
    return {"p50": float(m.group(1)), "p99": float(m.group(2)), "completed": int(m.group(4)), "errors": int(m.group(5))}


WORKLOADS = [
    ("keepalive", "keep-alive, 100-byte responses, wrk -c50 (req/s)"),
    ("newconn", "new connection per request, wrk -c50 (conn/s)"),
    ("bulk", "1 MiB responses, wrk -c10 (MB/s)"),
    ("stream", "one TCP stream, iperf 2 (MB/s)"),
    ("latency", "p50 latency at 4 k req/s (ms)"),
]


def run_workload(w, name, seconds, pid):
    port = port_of(name)
    before = cpu_seconds(pid) if pid else None
    if w == "keepalive":
        r = wrk(port, "/100b", 50, seconds)
        value, units = r["rps"], r["requests"]
    elif w == "newconn":
        r = wrk(port, "/100b", 50, seconds, close=True)
        value, units = r["rps"], r["requests"]
    elif w == "bulk":
        r = wrk(port, "/1m", 10, seconds)
        value, units = r["mbps"], r["mbps"] * seconds
    elif w == "stream":
        r = iperf(STREAM_PORTS[name], seconds)
        value, units = r["mbps"], None
        before = None  # the stream goes through a separate balancer instance
    else:
        r = latency(port, seconds, 4000)
        value, units = r["p50"], r["completed"]
    if r.get("errors"):
        log(f"{name} {w}: {r['errors']} errors: figure discarded")
        value = float("nan")
    cpu = (cpu_seconds(pid) - before) if before is not None else None
    per_unit = cpu / units * 1e6 if cpu is not None and units else None
    return {"value": value, "cpu_us_per_unit": per_unit, "raw": r}


def fmt(v, w):
    if v is None or v != v:
        return "–"
    if w == "latency":
        return f"{v:.2f}"
    if w in ("keepalive", "newconn"):
        return f"{v / 1000:.1f} k"
    return f"{v:,.0f}"


def report(results, names, reps, seconds, machine):
    lines = [f"Machine: {machine}. {reps} interleaved repetitions of {seconds} s per workload; client on CPU {CLIENT_CPU}, "
             f"balancer and nginx backends on CPU {SERVER_CPU}. Median (min-max).", ""]
    lines.append("| workload | " + " | ".join(names) + " |")
    lines.append("|---|" + "---|" * len(names))
    med = {}
    for w, title in WORKLOADS:
        row = [title]
        for n in names:
            vals = [r["value"] for r in results[n][w] if r["value"] == r["value"]]
            if not vals:
                row.append("–")
                continue
            m = statistics.median(vals)
            med[(n, w)] = m
            row.append(f"{fmt(m, w)} ({fmt(min(vals), w)}-{fmt(max(vals), w)})")
        lines.append("| " + " | ".join(row) + " |")
    for w, label in (("keepalive", "balancer CPU per keep-alive request (µs)"), ("newconn", "balancer CPU per new connection (µs)")):
        row = [label]
        for n in names:
            vals = [r["cpu_us_per_unit"] for r in results[n][w] if r["cpu_us_per_unit"] is not None]
            row.append(f"{statistics.median(vals):.1f}" if vals else "–")
        lines.append("| " + " | ".join(row) + " |")
    row = ["peak RSS (MiB)"]
    for n in names:
        row.append(f"{results[n]['rss']:.0f}" if results[n].get("rss") else "–")
    lines.append("| " + " | ".join(row) + " |")
    lines += ["", "Ratios of medians (higher is better for throughput, lower for latency):", ""]
    peers = [n for n in names if n in ("pen", "haproxy", "direct")]
    for n in [x for x in names if x.startswith("jpen")]:
        for w, title in WORKLOADS:
            if (n, w) not in med:
                continue
            parts = [f"{med[(n, w)] / med[(p, w)]:.2f} x {p}" for p in peers if (p, w) in med and med[(p, w)]]
            lines.append(f"- {n}, {title}: " + ", ".join(parts))
    if "jpen" in names and "jpen-cluster" in names and ("jpen", "newconn") in med:
        lines.append(f"- jpen-cluster / jpen new conn/s: {med[('jpen-cluster', 'newconn')] / med[('jpen', 'newconn')]:.2f}")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=15)
    ap.add_argument("--only", default=",".join(BALANCERS))
    ap.add_argument("--workloads", default=",".join(w for w, _ in WORKLOADS))
    ap.add_argument("--skip-build", action="store_true")
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n]
    workloads = [w for w in args.workloads.split(",") if w]
    if os.cpu_count() < 2:
        sys.exit("bench: needs 2 CPUs (client on one, balancer and backends on the other)")
    ensure_packages()
    if not args.skip_build:
        log("building jpen")
        sh(["mvn", "-q", "-B", "package", "-DskipTests"], cwd=ROOT)
    RESULTS.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="jpen-bench-"))
    tmp.chmod(0o755)  # nginx workers run as an unprivileged user and must read the files
    try:
        for p in NGINX_PORTS:
            nginx(tmp, p)
        start("iperf-server", ["iperf", "-s", "-p", str(IPERF_PORT)], SERVER_CPU)
        wait_port(IPERF_PORT)
        pids = start_balancers(tmp, [n for n in names if n != "direct"])
        for n in [x for x in names if x.startswith("jpen")]:
            log(f"JIT warm-up of {n}: {args.warmup} s keep-alive + {args.warmup} s new connections")
            wrk(PORTS[n], "/100b", 50, args.warmup)
            wrk(PORTS[n], "/100b", 50, args.warmup, close=True)
            wrk(PORTS[n], "/1m", 10, max(2, args.warmup // 3))
        results = {n: {w: [] for w, _ in WORKLOADS} for n in names}
        for rep in range(args.reps):
            for w in workloads:
                for n in names:
                    r = run_workload(w, n, args.seconds, pids.get(n))
                    results[n][w].append(r)
                    log(f"rep {rep + 1} {w:9} {n:12} {r['value']:.3f}")
        for n in names:
            if n in pids:
                results[n]["rss"] = peak_rss_mib(pids[n])
        machine = f"{os.cpu_count()} CPUs, {Path('/proc/cpuinfo').read_text().split('model name')[1].split(':')[1].splitlines()[0].strip()}, " \
                  f"kernel {os.uname().release}"
        md = report(results, names, args.reps, args.seconds, machine)
        (RESULTS / "latest.md").write_text(md)
        (RESULTS / "latest.json").write_text(json.dumps(results, indent=1, default=str))
        print(md)
    finally:
        stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
