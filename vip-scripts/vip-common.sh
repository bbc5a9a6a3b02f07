# Shared by the jpen vip-* scripts (sourced, POSIX sh). Not meant to be run.
#
# Every script writes one line per action to stderr; the node keeps the first 4 KiB of a script's output in its log
# when the script fails. A script fails with a non-zero status and a message saying what to fix.

me=${0##*/}

log() { printf '%s: %s\n' "$me" "$*" >&2; }
# die MESSAGE [STATUS]: log and exit (status 1 unless given)
die() { log "$1"; exit "${2:-1}"; }

# The IPv4 address part of ADDR/PREFIX.
addr_of() { printf '%s' "${1%%/*}"; }

# Prints the ADDR/PREFIX that IF carries for ADDR (any prefix), nothing if none. Fails if IF does not exist.
present() {
  ip -o -4 addr show dev "$1" to "$(addr_of "$2")/32" 2>/dev/null | awk '{print $4; exit}'
}

iface_exists() { [ -e "/sys/class/net/$1" ] || ip link show dev "$1" >/dev/null 2>&1; }

# Which arping is installed: prints "habets PATH" (Debian's arping) or "iputils PATH" (iputils-arping); fails if
# neither. JPEN_ARPING names a binary to use instead of the one on PATH.
arping_flavour() {
  a=${JPEN_ARPING:-$(command -v arping 2>/dev/null)}
  [ -n "$a" ] && [ -x "$a" ] || return 1
  if "$a" --help 2>&1 | grep -q 'Habets'; then echo "habets $a"; return 0; fi
  if "$a" -V 2>&1 | grep -qi 'iputils'; then echo "iputils $a"; return 0; fi
  return 1
}

# garp_burst IF ADDR COUNT INTERVAL_SECONDS: COUNT gratuitous ARPs for ADDR out of IF, INTERVAL apart.
#   Habets:  arping -U -S ADDR -i IF -c COUNT -W INTERVAL ADDR  (it reports "unanswered": normal for -U, status 1;
#            a real error shows on stderr, which is what we judge by)
#   iputils: arping -U -I IF -c 1 ADDR, COUNT times, INTERVAL apart (its -i takes whole seconds only, and every run
#            waits a second after sending: each runs in the background so the burst is not stretched)
garp_burst() {
  fl=$(arping_flavour) || die "no arping found: install 'arping' (Habets) or 'iputils-arping'" 3
  kind=${fl%% *}
  bin=${fl#* }
  n=$3
  gap=$4
  case $kind in
    habets)
      [ "$gap" = "0" ] || [ "$gap" = "0.000" ] && gap=0.001  # -W 0 sends only one packet
      err=$("$bin" -q -U -S "$2" -i "$1" -c "$n" -W "$gap" "$2" 2>&1 >/dev/null)
      [ -z "$err" ] || die "arping: $err" 4
      ;;
    iputils)
      i=0
      while [ "$i" -lt "$n" ]; do
        "$bin" -q -U -I "$1" -c 1 "$2" >/dev/null 2>&1 &
        i=$((i + 1))
        [ "$i" -lt "$n" ] && [ "$gap" != "0" ] && [ "$gap" != "0.000" ] && sleep "$gap"
      done
      ;;
  esac
  log "sent $n gratuitous ARP for $2 on $1 ($kind)"
}
