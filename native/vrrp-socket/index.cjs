'use strict';
// Loads the compiled addon; `npm ci` builds it through this package's install script.
module.exports = require('./build/Release/vrrp_socket.node');
