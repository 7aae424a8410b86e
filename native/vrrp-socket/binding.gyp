{
  "targets": [
    {
      "target_name": "vrrp_socket",
      "sources": ["src/vrrp_socket.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "ipvs_netlink",
      "sources": ["src/ipvs_netlink.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "tcp_probe",
      "sources": ["src/tcp_probe.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "rtnetlink",
      "sources": ["src/rtnetlink.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "heap_trim",
      "sources": ["src/heap_trim.cc"],
      "cflags_cc": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
