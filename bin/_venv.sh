# Sourced by the scripts in bin/: create .venv on first use and install the project
# with its test extras; later runs reinstall only when pyproject.toml changed.
if [[ -z ${PYTHON_BIN:-} ]]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PYTHON_BIN=$candidate
      break
    fi
  done
fi
if [[ -z ${PYTHON_BIN:-} ]]; then
  echo "Python 3.11 or newer is required; install it and run again." >&2
  exit 2
fi
if [[ ! -x .venv/bin/python ]]; then
  echo "Creating the virtual environment in .venv with $PYTHON_BIN ..."
  "$PYTHON_BIN" -m venv .venv
fi
PYTHON=$PWD/.venv/bin/python
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [[ ! -f $stamp ]]; then
  echo "Installing dependencies into .venv ..."
  log=.venv/install.log
  if ! { "$PYTHON" -m pip install --upgrade pip && "$PYTHON" -m pip install -e '.[test]'; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "Installing the dependencies failed; the whole log is in $log." >&2
    exit 1
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
fi
