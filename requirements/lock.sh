#!/usr/bin/env bash
# Writes requirements/*.lock from requirements/*.in and pyproject.toml: every dependency pinned, with the hashes
# of its files for every platform. An update is this script's output, reviewed and committed.
#   bash requirements/lock.sh            (needs uv: `pip install uv`)
#   bash requirements/lock.sh --upgrade  (newer releases, within pyproject.toml's bounds)
set -euo pipefail
cd "$(dirname "$0")/.."
for name in daemon test; do
    uv pip compile "requirements/$name.in" --universal --python-version 3.11 --generate-hashes \
        --no-emit-package contextstack --no-emit-package contextstack-client \
        --custom-compile-command "bash requirements/lock.sh" -q -o "requirements/$name.lock" "$@"
done
