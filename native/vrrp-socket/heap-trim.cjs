'use strict';
// V8's low-memory collection and malloc_trim(0) (src/heap_trim.cc), built beside vrrp_socket by `npm ci`.
module.exports = require('./build/Release/heap_trim.node');
