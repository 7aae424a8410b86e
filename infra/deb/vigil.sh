#!/bin/sh
# /usr/bin/vigil: the CLI on the Node runtime the package carries under /usr/lib/vigil.
exec /usr/lib/vigil/node /usr/lib/vigil/bin/vigil.mjs "$@"
