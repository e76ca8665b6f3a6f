#!/usr/bin/env bash
# Installs the LiteLLM proxy (PyPI litellm[proxy]) into a virtual environment of its own, once,
# and prints the path of its `litellm` command. Its own environment keeps the proxy's many
# dependencies away from the test suite's.
#
#   scripts/peers/litellm.sh     # prints .../litellm-1.100.0/bin/litellm
#
# (1.100.0: its [proxy] extra installs from PyPI; 1.110.2's needs `litellm-proxy`, which the
# index this project uses does not carry.) The cache is $SWITCHYARD_PEERS_CACHE (default ~/.cache/switchyard-peers).
set -euo pipefail

version="${LITELLM_VERSION:-1.100.0}"
cache="${SWITCHYARD_PEERS_CACHE:-$HOME/.cache/switchyard-peers}"
venv="$cache/litellm-$version"
command="$venv/bin/litellm"

if [ -x "$command" ]; then
    echo "$command"
    exit 0
fi
mkdir -p "$cache"
rm -rf "$venv.partial"
echo "litellm.sh: installing litellm[proxy]==$version into $venv" >&2
python3 -m venv "$venv.partial"
"$venv.partial/bin/python" -m pip install --quiet --disable-pip-version-check "litellm[proxy]==$version" >&2
# A venv's scripts name their interpreter by absolute path: rewrite them for the final folder.
grep -rlI --null "$venv.partial" "$venv.partial/bin" | xargs -0 -r sed -i "s#$venv.partial#$venv#g"
mv "$venv.partial" "$venv"
echo "$command"
