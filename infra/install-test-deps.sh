#!/usr/bin/env bash
# Debian packages the tests run against for real (see docs/design.md "Real parts in tests"):
#   keepalived     - the VRRP peer to interoperate with, and genhash to agree with
#   iproute2       - network namespaces, veth pairs and bridges for multi-host tests
#   ipvsadm, kmod, user-mode-linux - a real IPVS kernel as an ordinary process
#   tcpdump        - capture in namespaces when a protocol test fails
#   linux-libc-dev - <linux/ip_vs.h>, which the IPVS netlink addon is compiled against
#   systemd        - systemd-analyze, which checks the shim's unit file (nothing is started)
#   openssl        - certificates for the SSL_GET tests
#   dpkg-dev, lintian, debootstrap, binutils, xz-utils, util-linux - the Debian package:
#                    dpkg-deb and dpkg-shlibdeps build it, strip trims the runtime, lintian
#                    checks it, debootstrap makes the plain Debian 12 it is installed into
#                    (test/deb), unshare keeps that root's mounts private to each command
#   python3-aiosmtpd - the real SMTP server that receives smtp_alert mail (test/mail)
#   chromium       - the browser the dashboard tests drive (npm playwright-core, executablePath /usr/bin/chromium;
#                    never a downloaded browser)
#   curl           - the client asking the VIP through a real LVS-DR director (test/realserver)
#   prometheus     - promtool: check metrics on the Board's and the shim's /metrics, check and test docs/alerts rules
#                    (its daemon is not started: policy-rc.d below)
#   nftables       - nft: the shim's accept-mode drop rules (vrrp_strict, no_accept), as keepalived's
# Idempotent: packages already present are not fetched again.
set -euo pipefail
PKGS=(keepalived iproute2 ipvsadm kmod user-mode-linux tcpdump procps psmisc iputils-ping g++ make python3 python3-aiosmtpd linux-libc-dev systemd openssl dpkg-dev lintian debootstrap binutils xz-utils util-linux chromium prometheus nftables curl)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "install-test-deps: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # keepalived's and prometheus's packages would start a daemon where an init system runs; policy-rc.d stops that.
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi
echo "install-test-deps: ${#PKGS[@]} packages present"
