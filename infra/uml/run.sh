#!/usr/bin/env bash
# Runs one command inside a User-Mode Linux kernel that has IPVS (Debian's
# user-mode-linux package: kernel 6.1, IPVS as modules), with the host's root
# as its root file system, and prints the command's stdout; stderr goes to
# stderr; the exit code is the command's.
#   infra/uml/run.sh [-t TIMEOUT_S] [-a ADDR/PREFIX,...] [-m MEM] [-n TAP -e ADDR/PREFIX] -- CMD ARGS...
# -n/-e give the kernel an eth0 on an existing tap device (tuntap transport) with
# that address; run.sh creates no device: the caller makes the tap inside a
# network namespace of its own and runs run.sh there (test/ipvs/uml-net.ts).
# Exit 124 on timeout, 125 when UML itself is missing or does not run the command.
# The UML process is always killed, and the host's own interfaces are never touched
# (without -n UML has no network device; the dummy interface lives in the UML kernel).
set -euo pipefail
timeout_s=60
addrs=192.168.0.254/16,10.0.0.254/8
mem=384M
tap=
eth_addr=
while getopts "t:a:m:n:e:" o; do
  case $o in
    t) timeout_s=$OPTARG ;;
    a) addrs=$OPTARG ;;
    m) mem=$OPTARG ;;
    n) tap=$OPTARG ;;
    e) eth_addr=$OPTARG ;;
    *) exit 64 ;;
  esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "run.sh: no command" >&2; exit 64; }
uml=$(command -v linux.uml || true)
[ -n "$uml" ] || { echo "run.sh: linux.uml not installed (apt-get install user-mode-linux)" >&2; exit 125; }
moddir=$(dpkg -L user-mode-linux | grep -E '^/usr/lib/uml/modules/[^/]+$' | head -1)
[ -n "$moddir" ] || { echo "run.sh: no module tree in user-mode-linux" >&2; exit 125; }
kver=$(basename "$moddir")
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/vigil-uml.XXXXXX)
memdir=$(mktemp -d /dev/shm/vigil-uml.XXXXXX 2>/dev/null || mktemp -d /tmp/vigil-uml-mem.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid" 2>/dev/null || true; fi
  rm -rf "$dir" "$memdir"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
# depmod writes its index beside the modules: a private tree whose kernel/ points at the package's.
mkdir -p "$dir/modules/lib/modules/$kver"
ln -s "$moddir/kernel" "$dir/modules/lib/modules/$kver/kernel"
cp "$moddir"/modules.order "$moddir"/modules.builtin* "$dir/modules/lib/modules/$kver/" 2>/dev/null || true
depmod -b "$dir/modules" "$kver"
printf '%s\0' "$@" > "$dir/cmd"
net=()
if [ -n "$tap" ]; then net=("eth0=tuntap,$tap"); fi
# UML maps its memory from TMPDIR (tmpfs when there is one); each run gets its own.
setsid env TMPDIR="$memdir" "$uml" mem="$mem" rootfstype=hostfs rootflags=/ rw "${net[@]}" \
  init="$here/init.sh" VIGIL_UML_DIR="$dir" VIGIL_UML_CWD="$PWD" VIGIL_UML_ADDRS="$addrs" VIGIL_UML_ETH="$eth_addr" \
  con=null con0=null,fd:2 ssl=null quiet > "$dir/console" 2>&1 < /dev/null &
pid=$!
# Killed on purpose at the end: keep bash from reporting it.
disown "$pid" 2>/dev/null || true
deadline=$((SECONDS + timeout_s))
while kill -0 "$pid" 2>/dev/null && [ ! -e "$dir/rc" ] && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
if [ ! -e "$dir/rc" ]; then
  [ -e "$dir/stdout" ] && cat "$dir/stdout"
  [ -e "$dir/stderr" ] && cat "$dir/stderr" >&2
  if [ $SECONDS -ge $deadline ]; then echo "run.sh: timed out after ${timeout_s}s" >&2; exit 124; fi
  echo "run.sh: UML exited without running the command; console:" >&2
  tail -20 "$dir/console" >&2
  [ -e "$dir/setup.log" ] && cat "$dir/setup.log" >&2
  exit 125
fi
cat "$dir/stdout"
cat "$dir/stderr" >&2
if [ -n "${VIGIL_UML_SETUP_LOG:-}" ]; then cat "$dir/setup.log" >&2; fi
exit "$(cat "$dir/rc")"
