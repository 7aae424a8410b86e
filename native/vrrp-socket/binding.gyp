{
  "targets": [
    {
      "target_name": "vrrp_socket",
      "sources": ["src/vrrp_socket.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
