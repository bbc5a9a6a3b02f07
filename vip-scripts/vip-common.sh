# Shared by the jpen vip-* scripts (sourced, POSIX sh). Not meant to be run.
#
# Every script writes one line per action to stderr; the node keeps the first 4 KiB of a script's output in its log
# when the script fails. A script fails with a non-zero status and a message saying what to fix.

me=${0##*/}

log() { printf '%s: %s\n' "$me" "$*" >&2; }
# die MESSAGE [STATUS]: log and exit (status 1 unless given)
die() { log "$1"; exit "${2:-1}"; }

# Prints the ADDR/PREFIX that IF carries for ADDR (any prefix), nothing if none. Fails if IF does not exist.
present() {
  ip -o -4 addr show dev "$1" to "${2%%/*}/32" 2>/dev/null | awk '{print $4; exit}'
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

# True if the node passed a usable JPEN_ARPING_FLAVOUR ("iputils /usr/bin/arping"): no program run needed.
known_arping() {
  case ${JPEN_ARPING_FLAVOUR:-} in
    "habets "/* | "iputils "/*) [ -x "${JPEN_ARPING_FLAVOUR#* }" ] ;;
    *) return 1 ;;
  esac
}

# garp_burst IF ADDR COUNT INTERVAL_SECONDS: COUNT gratuitous ARPs for ADDR out of IF, INTERVAL apart.
#   Habets:  arping -U -S ADDR -i IF -c COUNT -W INTERVAL ADDR  (it reports "unanswered": normal for -U, status 1;
#            a real error shows on stderr, which is what we judge by)
#   iputils: arping -U -I IF -c 1 ADDR, COUNT times, INTERVAL apart (its -i takes whole seconds only, and every run
#            waits a second after sending: each runs in the background so the burst is not stretched)
#   Which one: ARPING_FLAVOUR if the caller set it, else JPEN_ARPING_FLAVOUR (what vip-preflight found; the node
#   passes it), else looked up now (arping_flavour: two program runs, ~8 ms).
garp_burst() {
  fl=${ARPING_FLAVOUR:-}
  if [ -z "$fl" ] && known_arping; then fl=$JPEN_ARPING_FLAVOUR; fi
  [ -n "$fl" ] || fl=$(arping_flavour) || die "no arping found: install 'arping' (Habets) or 'iputils-arping'" 3
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
    *) die "unknown arping flavour '$fl' (expected: habets PATH or iputils PATH)" 3 ;;
  esac
  log "sent $n gratuitous ARP for $2 on $1 ($kind)"
}

# ---------------------------------------------------------------------------------------------------------------------
# Planned handover (vip-handover-forward on the successor, vip-handover-release on the old holder): the two hosts
# forward, at layer 3, the TCP flows of the VIP that belong to the other. Shared pieces below.
#
# Every change a handover script makes to the host lives in, or is recorded in, one nftables table of its own
# (family ip, named jpen_handover_<instance> or jpen_release_<instance>): the table holds the marking rules, and its
# chain 'saved' (never jumped to) records each sysctl it changed with its previous value, as the comment of one rule
# ("eth0/forwarding=0"). Removing the table is the undo; a sysctl is set back only when no other jpen table still
# records it (several VIPs may hand over at once, through the same interface).

# table_name KIND: jpen_KIND_<instance> for the VIP in $JPEN_VIP_NAME (the address if unset), reduced to the
# characters nft accepts in a name
table_name() {
  printf 'jpen_%s_%s' "$1" "$(printf '%s' "${JPEN_VIP_NAME:-$addr}" | tr -c 'A-Za-z0-9_' '_')"
}

# handover_mark ROLE ADDR: the packet and conntrack mark (also the routing table number) for ADDR: 0x6a, the role
# (01 successor -> old holder, 02 old holder -> successor), then the last two octets of ADDR. Distinct per VIP and
# role on one host, and readable in 'ip rule' and 'nft list' output.
handover_mark() {
  _a=$2
  _o4=${_a##*.}
  _a=${_a%.*}
  _o3=${_a##*.}
  printf '0x6a%02x%02x%02x' "$1" "$_o3" "$_o4"
}

need_nft() {
  command -v nft >/dev/null 2>&1 ||
    die "no 'nft' command: install nftables (needed to carry connections over a handover)" 5
}

# jpen_tables: the handover tables on this host, one name a line
jpen_tables() {
  nft list tables ip 2>/dev/null | awk '$3 ~ /^jpen_(handover|release)_/ {print $3}'
}

# table_saved TABLE: the IF/KEY=VALUE entries recorded in TABLE, one a line (nothing if no such table)
table_saved() {
  nft list chain ip "$1" saved 2>/dev/null | sed -n 's/.* comment "\([^"]*=[^"]*\)"$/\1/p'
}

# saved_by_any IF/KEY: the previous value of IF/KEY as recorded by any jpen table
saved_by_any() {
  for _t in $(jpen_tables); do
    _v=$(table_saved "$_t" | sed -n "s|^$1=||p" | head -n 1)
    [ -n "$_v" ] && { printf '%s' "$_v"; return 0; }
  done
  return 1
}

conf_get() { cat "/proc/sys/net/ipv4/conf/$1/$2"; }
conf_set() { printf '%s\n' "$3" >"/proc/sys/net/ipv4/conf/$1/$2" || die "cannot set net.ipv4.conf.$1.$2=$3"; }
# conf_max IF KEY: the value in force for keys where the kernel takes the larger of 'all' and the interface's
conf_max() {
  _all=$(conf_get all "$2")
  _dev=$(conf_get "$1" "$2")
  if [ "$_all" -gt "$_dev" ]; then echo "$_all"; else echo "$_dev"; fi
}

# claim_conf IF KEY VALUE SATISFIED: unless SATISFIED (a shell condition) already holds, sets net.ipv4.conf.IF.KEY to
# VALUE. Appends "IF/KEY=previous" to $saved whenever this table must take part in restoring it: it changed it, or
# another jpen table (or an earlier run of this one) did and recorded the value from before.
claim_conf() {
  _prev=$(saved_by_any "$1/$2") || _prev=
  if [ -z "$_prev" ] && eval "$4"; then
    return 0
  fi
  [ -n "$_prev" ] || _prev=$(conf_get "$1" "$2")
  saved="$saved $1/$2=$_prev"
  if ! eval "$4"; then
    conf_set "$1" "$2" "$3"
    log "net.ipv4.conf.$1.$2: $(conf_get "$1" "$2") (was $_prev)"
  fi
}

# release_conf TABLE_SAVED: after the table is gone, sets back each recorded sysctl that no other jpen table records
release_conf() {
  for _e in $1; do
    _k=${_e%%=*}
    _v=${_e#*=}
    saved_by_any "$_k" >/dev/null && continue
    [ -e "/proc/sys/net/ipv4/conf/$_k" ] || continue  # the interface is gone
    if [ "$(cat "/proc/sys/net/ipv4/conf/$_k")" != "$_v" ]; then
      printf '%s\n' "$_v" >"/proc/sys/net/ipv4/conf/$_k" && log "net.ipv4.conf.$(echo "$_k" | tr / .) set back to $_v"
    fi
  done
}

# peer_dev_or_die PEER: peer_dev, or fails saying why
peer_dev_or_die() {
  peer_dev "$1" ||
    die "$1 is not a neighbour of this host (reached through a router, or local): cannot forward to it"
}

# peer_dev PEER: the interface PEER is reached on directly (fails if PEER is reached through a router or is local:
# a forwarded packet keeps the VIP as its destination, so only a neighbour can take it)
peer_dev() {
  _r=$(ip -o -4 route get "$1" 2>/dev/null) || return 1
  case $_r in
    local*|*" via "*) return 1 ;;
  esac
  _d=${_r#* dev }
  printf '%s' "${_d%% *}"
}

# route_marked MARK PEER DEV: packets carrying MARK go to PEER on DEV, whatever their destination. The rule has
# preference 0 and comes before the 'local' table (which would deliver them here: the VIP is a local address).
route_marked() {
  _tbl=$(($1))
  ip route replace default via "$2" dev "$3" table "$_tbl" || die "ip route replace default via $2 dev $3 table $_tbl"
  if ! ip rule show pref 0 | grep -q "fwmark $1 lookup $_tbl\$"; then
    ip rule add pref 0 fwmark "$1" lookup "$_tbl" || die "ip rule add pref 0 fwmark $1 lookup $_tbl"
  fi
  local_after_marks
}

# local_after_marks: rules of equal preference apply in the order they were added, and the kernel's 'local' rule has
# preference 0 too. Puts it back behind the jpen rules, still at preference 0 (so no other rule of the host changes
# place), through a temporary copy at preference 1 (the kernel refuses a second identical rule): at no moment is
# there no 'local' rule. Nothing to do if no jpen rule follows a 'local' rule at preference 0 (already behind, or
# 'local' moved elsewhere by the administrator).
local_after_marks() {
  ip rule show pref 0 | awk '/lookup local/ {l = 1} l && /fwmark 0x6a/ {f = 1} END {exit !f}' || return 0
  _tmp=0
  if ! ip rule show pref 1 | grep -q 'lookup local'; then
    ip rule add pref 1 lookup local || die "ip rule add pref 1 lookup local"
    _tmp=1
  fi
  ip rule del pref 0 lookup local || die "ip rule del pref 0 lookup local"
  ip rule add pref 0 lookup local || die "ip rule add pref 0 lookup local (a copy remains at preference 1)"
  [ "$_tmp" = 1 ] && ip rule del pref 1 lookup local
  return 0
}

# unroute_marked MARK: removes the rule and the routing table of MARK (idempotent)
unroute_marked() {
  _tbl=$(($1))
  while ip rule del pref 0 fwmark "$1" lookup "$_tbl" 2>/dev/null; do :; done
  ip route flush table "$_tbl" 2>/dev/null
  return 0
}

# begin_claims TABLE / claim_conf ... / end_claims: collects in $saved what TABLE must record: the claims made now,
# plus what an earlier run of the same table recorded (an add run twice keeps the first previous values)
begin_claims() {
  _keep=$(table_saved "$1" | tr '\n' ' ')
  saved=
}
end_claims() {
  for _e in $_keep; do
    case " $saved " in *" ${_e%%=*}="*) ;; *) saved="$saved $_e" ;; esac
  done
  _u=
  for _e in $saved; do
    case " $_u " in *" ${_e%%=*}="*) ;; *) _u="$_u $_e" ;; esac
  done
  saved=$_u
}

# forward_claims IF PEER_DEV: forwarding on for packets arriving on IF; rp_filter loosened on the interface towards
# the peer when that is not IF (the peer forwards to this host too, and strict filtering would drop client packets
# arriving there)
forward_claims() {
  _fif=$1
  _fpdev=$2
  claim_conf "$_fif" forwarding 1 '[ "$(conf_get "$_fif" forwarding)" = 1 ]'
  if [ "$_fpdev" != "$_fif" ]; then
    claim_conf "$_fpdev" rp_filter 2 '[ "$(conf_max "$_fpdev" rp_filter)" != 1 ]'
  fi
}

# forward_rules IF ADDR MARK PORT FLOWS [STRAYS]: the chains that mark the TCP flows for ADDR[:PORT] arriving on IF
# that FLOWS (an nft expression on a packet conntrack sees as new) selects, the whole flow with its first packet
# (conntrack mark). STRAYS (an nft expression, optional) also marks packets conntrack cannot place at all (state
# invalid, no entry to mark): a FIN or RST that is the first packet of its connection seen here. They also drop
# this host's ICMP redirects on IF while the table exists: forwarded packets leave by the interface they came in on,
# and a redirect would tell neighbours to bypass the VIP's holder.
forward_rules() {
  _dport=
  [ -n "$4" ] && [ "$4" != 0 ] && _dport="tcp dport $4"
  _strays=
  [ -n "${6:-}" ] && _strays="
    iifname \"$1\" ip daddr $2 meta l4proto tcp $_dport ct state invalid $6 meta mark set $3"
  cat <<NFT
  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
    ip daddr $2 ct mark $3 meta mark set $3
    iifname "$1" ip daddr $2 meta l4proto tcp $_dport ct state new $5 ct mark set $3 meta mark set $3$_strays
  }
  chain output {
    type filter hook output priority filter; policy accept;
    oifname "$1" icmp type redirect drop
  }
NFT
}

# write_table TABLE COMMENT BODY: creates TABLE, or replaces it in one transaction, with COMMENT (cut to 100
# characters: nft keeps 128), BODY (chains, may be empty) and the chain 'saved' holding the entries of $saved
write_table() {
  _rules=
  for _e in $saved; do
    _rules="$_rules
    counter comment \"$_e\""
  done
  out=$(nft -f - 2>&1 <<NFT
table ip $1
delete table ip $1
table ip $1 {
  comment "$(printf '%.100s' "$2")"
  chain saved {$_rules
  }
$3
}
NFT
) || die "nft: $out"
}

# forward_teardown KIND ROLE ADDR: removes the rule, route and table of a handover script, then sets back the sysctls
# it recorded that no other jpen table records (idempotent)
forward_teardown() {
  _table=$(table_name "$1")
  _mark=$(handover_mark "$2" "$3")
  unroute_marked "$_mark"
  if nft list table ip "$_table" >/dev/null 2>&1; then
    _was=$(table_saved "$_table" | tr '\n' ' ')
    out=$(nft delete table ip "$_table" 2>&1) || die "nft delete table ip $_table: $out"
    release_conf "$_was"
    log "$_table removed"
  fi
}
