'use strict';
// The rtnetlink request for virtual routes and rules (src/rtnetlink.c), built beside the VRRP addon by `npm ci`.
module.exports = require('./build/Release/rtnetlink.node');
