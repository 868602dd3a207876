#!/usr/bin/env bash
# Builds Traefik (a Gateway API implementation) from the Go module proxy, once per version, cached
# beside the control plane. Its go.mod has replace directives, so it builds inside its downloaded
# module source, with three small changes that let the proxy's modules suffice:
#  - the nested module pkg/config/dynamic/ext (module zips leave nested modules out) is recreated
#    with the two empty types Traefik embeds from it;
#  - the containous/go-http-auth fork is taken at its 2020 version (the pinned one is not served);
#  - the ACME DNS-challenge providers (hundreds of DNS vendors' SDKs) are left out: the testbed
#    issues no certificates.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"
export CGO_ENABLED=0 GOWORK=off GOTOOLCHAIN=local GOFLAGS=-mod=mod GOSUMDB=off
log() { printf '[testbed] %s\n' "$*" >&2; }
out="$TRAEFIK_BIN"
if [ -x "$out/traefik" ]; then log "traefik $TRAEFIK_VERSION: cached"; exit 0; fi
start=$(date +%s)
module_dir="$(go mod download -json "github.com/traefik/traefik/v3@$TRAEFIK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
[ -d "$module_dir" ] || { log "FAILED: cannot download traefik $TRAEFIK_VERSION"; exit 1; }
src="$NIMBUS_CACHE/traefik-src-$TRAEFIK_VERSION"
rm -rf "$src" && cp -r "$module_dir" "$src" && chmod -R u+w "$src"
mkdir -p "$src/pkg/config/dynamic/ext"
printf 'module github.com/traefik/traefik/dynamic/ext\n\ngo 1.24\n' >"$src/pkg/config/dynamic/ext/go.mod"
printf '// Package ext holds extension points of the dynamic configuration; empty in this build.\npackage ext\n\ntype HTTP struct{}\n\ntype Router struct{}\n' \
  >"$src/pkg/config/dynamic/ext/ext.go"
(cd "$src" && go mod edit -replace github.com/abbot/go-http-auth=github.com/containous/go-http-auth@v0.4.1-0.20200324110947-a37a7636d23e)
acme="$src/pkg/provider/acme/provider.go"
sed -i '/"github.com\/go-acme\/lego\/v5\/providers\/dns"/d' "$acme"
sed -i 's|provider, err = dns.NewDNSChallengeProviderByName(p.DNSChallenge.Provider)|err = fmt.Errorf("DNS challenge providers are not built in: %s", p.DNSChallenge.Provider)|' "$acme"
log "traefik $TRAEFIK_VERSION: building"
mkdir -p "$out.tmp"
(cd "$src" && go build -trimpath -ldflags "-s -w" -o "$out.tmp/traefik" ./cmd/traefik) || { log "FAILED: traefik did not build"; exit 1; }
rm -rf "$out" "$src"; mv "$out.tmp" "$out"
log "traefik ready in $(( $(date +%s) - start ))s"
