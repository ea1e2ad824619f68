#!/usr/bin/env bash
# Prints the interpreter of CPython X.Y (the argument), or fails naming it:
# the newest X.Y.Z that pyenv has, else pythonX.Y on PATH. The wheel scripts
# (ci/build_wheel.sh, ci/test_wheel.sh) find their Pythons here.
# Usage: ci/find_python.sh 3.12
set -euo pipefail
want="${1:?usage: find_python.sh X.Y}"
versions="${PYENV_ROOT:-$HOME/.pyenv}/versions"

# X.Y.Z only: not 3.13.0t (free-threaded) nor 3.12-dev.
newest="$(ls -d "$versions/$want".* 2>/dev/null | grep -E "/${want//./\\.}\.[0-9]+$" | sort -V | tail -n 1)" || true
for py in ${newest:+"$newest/bin/python$want"} "$(command -v "python$want" || true)"; do
  if [ -n "$py" ] && "$py" -c "import sys; sys.exit(sys.implementation.name != 'cpython'
                                  or '%d.%d' % sys.version_info[:2] != '$want')" 2>/dev/null; then
    echo "$py"
    exit 0
  fi
done
echo "find_python.sh: CPython $want not found (looked for $versions/$want.*/bin/python$want" \
     "and python$want on PATH); install it, e.g. pyenv install $want" >&2
exit 1
