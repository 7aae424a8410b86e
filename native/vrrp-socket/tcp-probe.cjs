'use strict';
// The TCP_CHECK connect addon (src/tcp_probe.c), built beside vrrp_socket by `npm ci`.
module.exports = require('./build/Release/tcp_probe.node');
