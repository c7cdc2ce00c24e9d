#!/usr/bin/env bash
# Writes a self-signed TLS certificate for development and tests:
#   scripts/gen-self-signed-cert.sh [OUT_DIR] [HOSTNAME]
# OUT_DIR defaults to ./certs, HOSTNAME to $HOSTNAME from .env or "localhost".
# The certificate covers HOSTNAME, localhost and 127.0.0.1 so the same files
# work for a laptop run and the loopback deploy checks. Existing files are kept
# unless FORCE=1. In production use a certificate from a real CA instead
# (same file names: tls.crt, tls.key).
set -euo pipefail

out_dir="${1:-${CERT_DIR:-certs}}"
host="${2:-${CERT_HOSTNAME:-}}"
if [[ -z "$host" && -f .env ]]; then
    host="$(sed -n 's/^HOSTNAME=//p' .env | tail -n1)"
fi
host="${host:-localhost}"
days="${CERT_DAYS:-825}"

if ! command -v openssl >/dev/null 2>&1; then
    echo "error: openssl not found; install it (apt-get install -y openssl)" >&2
    exit 1
fi
if [[ ! "$host" =~ ^[A-Za-z0-9.-]+$ ]]; then
    echo "error: '$host' is not a valid host name" >&2
    exit 1
fi

crt="$out_dir/tls.crt"
key="$out_dir/tls.key"
if [[ -s "$crt" && -s "$key" && "${FORCE:-0}" != "1" ]]; then
    echo "kept existing $crt and $key (FORCE=1 replaces them)"
    exit 0
fi

mkdir -p "$out_dir"
san="DNS:localhost,IP:127.0.0.1"
if [[ "$host" != "localhost" ]]; then
    san="DNS:$host,$san"
fi
# The key is created private from the start (umask), never world-readable.
(
    umask 077
    openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
        -days "$days" -subj "/CN=$host" \
        -addext "subjectAltName=$san" \
        -addext "basicConstraints=critical,CA:FALSE" \
        -addext "keyUsage=critical,digitalSignature" \
        -addext "extendedKeyUsage=serverAuth" \
        -keyout "$key" -out "$crt" 2>/dev/null
)
chmod 644 "$crt"
echo "wrote $crt and $key for $san (valid $days days)"
echo "note: the nginx container runs as uid 101; give it the key with: sudo chown 101:101 $key"
