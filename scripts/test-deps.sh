#!/usr/bin/env bash
# What the tests need from Debian, installed with apt when missing (as root, or with sudo):
# - openssl: the HTTP client's and Redis' TLS tests make throwaway certificates (test/support/certs.ts);
# - redis-server: the scale-out tests start their own Redis on a free port (test/support/redis-server.ts).
# .ci/run and README.md's test command both run this script.
set -euo pipefail
missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo)
fi
"${as_root[@]}" apt-get update
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
