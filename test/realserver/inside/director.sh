#!/bin/bash
# Inside UML (test/realserver/dr-lab.ts): an LVS-DR director. The VIP on eth0
# (so it answers ARP for it), one virtual service forwarding by direct routing
# (-g) to the real server, then the link's MAC and the table written to
# READY_FILE (on the host's /tmp, shared through hostfs) as the sign it is up.
# Then it waits: the test ends the kernel when it is done.
#   director.sh VIP REAL_SERVER READY_FILE
set -euo pipefail
vip=$1 rs=$2 ready=$3
ip address add "$vip/32" dev eth0
ipvsadm -A -t "$vip:80" -s rr
ipvsadm -a -t "$vip:80" -r "$rs:80" -g
{
  echo "mac $(cat /sys/class/net/eth0/address)"
  ipvsadm -Ln
} > "$ready.tmp"
mv "$ready.tmp" "$ready"
exec sleep 100000
