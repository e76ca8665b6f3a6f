#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium if it is missing (idempotent), then prints its path.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >/dev/null
    $SUDO apt-get install -y -qq chromium >/dev/null
fi
command -v chromium
