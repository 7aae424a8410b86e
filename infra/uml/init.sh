#!/bin/bash
# PID 1 inside the User-Mode Linux kernel (see run.sh). The root file system is
# the host's own (hostfs), so ipvsadm, node and the repository are all here.
# Arguments come through the environment the kernel hands to init: VIGIL_UML_DIR
# (the run's folder on the host, holding modules/, cmd and the result files).
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
dir="$VIGIL_UML_DIR"
mount -t proc proc /proc 2>/dev/null
mount -t sysfs sys /sys 2>/dev/null
# A private /run and /dev/shm (the host's /tmp stays visible: the run folder lives there).
mount -t tmpfs run /run 2>/dev/null
mount -t tmpfs shm /dev/shm 2>/dev/null
{
  for m in ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_sh ip_vs_mh ip_vs_dh ip_vs_sed ip_vs_nq ip_vs_fo ip_vs_ovf ip_vs_lblc ip_vs_lblcr dummy; do
    modprobe -d "$dir/modules" "$m" || echo "modprobe $m failed"
  done
  ip link set lo up
  # IPVS refuses destinations it cannot route: a dummy interface owns the real servers' subnets.
  ip link add vigil0 type dummy && ip link set vigil0 up
  for a in $(echo "$VIGIL_UML_ADDRS" | tr , " "); do ip addr add "$a" dev vigil0; done
  # eth0 exists only when run.sh was given a tap (-n): its link into the caller's namespace.
  if [ -n "${VIGIL_UML_ETH:-}" ]; then ip addr add "$VIGIL_UML_ETH" dev eth0 && ip link set eth0 up; fi
} > "$dir/setup.log" 2>&1
cd "$VIGIL_UML_CWD" || cd /
# The command is a NUL-separated argv file: run as it is, nothing is parsed by a shell.
mapfile -d "" -t argv < "$dir/cmd"
"${argv[@]}" > "$dir/stdout" 2> "$dir/stderr"
echo $? > "$dir/rc.tmp" && mv "$dir/rc.tmp" "$dir/rc"
sync
echo o > /proc/sysrq-trigger
sleep 5
