'use strict';
// The generic-netlink IPVS transport (src/ipvs_netlink.c), built beside the VRRP addon by `npm ci`.
module.exports = require('./build/Release/ipvs_netlink.node');
