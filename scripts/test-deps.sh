#!/usr/bin/env bash
# Installs the programs G6's tests run against (real servers and a real terminal, never mocks):
#   promtool and prometheus (Debian package prometheus): lint and scrape the /metrics endpoint
#   tmux: the live dashboard in a real terminal
#   victoria-metrics: the InfluxDB sink's v2 write path (/api/v2/write), read back through its export API
#   influxd (Debian package influxdb, 1.x): the InfluxDB sink's v1 write path and line-protocol semantics
#   chromium: the web dashboard in a real headless browser (driven by puppeteer-core)
# Called by `npm test` (the README's test command) and by .ci/run. Installs with apt-get when
# run as root on Debian/Ubuntu; otherwise names what is missing and how to install it.
set -euo pipefail

declare -A PACKAGE_OF=([promtool]=prometheus [prometheus]=prometheus [tmux]=tmux [victoria-metrics]=victoria-metrics [influxd]=influxdb [chromium]=chromium)

missing=()
for bin in "${!PACKAGE_OF[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
done
[ ${#missing[@]} -eq 0 ] && exit 0

packages=$(for bin in "${missing[@]}"; do echo "${PACKAGE_OF[$bin]}"; done | sort -u | tr '\n' ' ')
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: installing ${packages}(for ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $packages >/dev/null
  exit 0
fi
echo "test-deps: missing ${missing[*]}; install with: sudo apt-get install ${packages}" >&2
exit 1
