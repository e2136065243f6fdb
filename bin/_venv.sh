# Sourced by the scripts in bin/: create .venv on first use and install the project
# with its test extras; later runs reinstall only when pyproject.toml changed.
if [[ -z ${PYTHON_BIN:-} ]]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
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
  "$PYTHON" -m pip install --quiet --upgrade pip
  "$PYTHON" -m pip install --quiet -e '.[test]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
if ! command -v msgfmt >/dev/null; then
  echo "msgfmt (GNU gettext) is required to compile the translations: apt-get install gettext" >&2
  exit 2
fi
