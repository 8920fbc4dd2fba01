#!/bin/sh
# The README's first command: installs what is missing, builds domcompat
# and upgrades the bundled example domain to standard output.
set -eu
cd "$(dirname "$0")/.."
sh tools/install-deps.sh
make all >&2
build/domcompat upgrade examples/q35-guest.xml
