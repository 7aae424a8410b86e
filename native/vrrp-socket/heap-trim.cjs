'use strict';
// malloc_trim(0) (src/heap_trim.c), built beside vrrp_socket by `npm ci`.
module.exports = require('./build/Release/heap_trim.node');
