#!/usr/bin/env bash
# The Debian and npm packages Perimeter's features and tests use, installed where missing (each check is cheap, so
# `make install` runs this every time: `make run` needs Tesseract for the scanned samples, `make test` the servers the
# tests start). Not root and no sudo: it says what is missing and goes on (the tests that need it will fail).
set -euo pipefail
cd "$(dirname "$0")/.."

APT="apt-get"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    APT="sudo apt-get"
  else
    APT="echo perimeter: not root, cannot install with apt-get:"
    set +e  # what can be done without root (Redis, the npm packages) still is
  fi
fi


# Worker and Slack tests start private redis-server processes (tests/processes.py); the demo uses the local one.
if ! command -v redis-server >/dev/null 2>&1; then
  $APT update -qq && $APT install -y -qq redis-server
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no
fi

# docker-compose (Debian's 1.29) validates docker-compose.yml's profiles offline in tests/test_deploy.py.
if ! command -v docker-compose >/dev/null 2>&1; then
  $APT update -qq && $APT install -y -qq docker-compose
fi

# The web page's browser tests (tests/services/web/test_web.py) drive Debian's chromium through Playwright (no browser download);
# Chinese text and the feedback emoji need fonts.
if ! command -v chromium >/dev/null 2>&1 || ! fc-list | grep -qi wqy || ! fc-list | grep -qi "color emoji"; then
  $APT update -qq && $APT install -y -qq chromium fonts-wqy-microhei fonts-noto-color-emoji
fi

# The web page's vendored browser code (marked, DOMPurify, pdf.js, axe-core) comes from npm through
# services/web/assets/vendor.sh, which `make install` runs; the browser sign-in tests (tests/services/web/
# test_sign_in.py) run a real OpenID provider, the certified oidc-provider from npm, installed from the committed
# package-lock.json. Debian's node and npm run both.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  $APT update -qq && $APT install -y -qq nodejs npm
fi
if [ ! -d tests/oidc_provider/node_modules/oidc-provider ]; then
  (cd tests/oidc_provider && npm ci --no-audit --no-fund)
fi

# The air-gap test (tests/test_airgap.py, `make airgap-check`) runs the stack under strace inside `unshare --net`.
if ! command -v strace >/dev/null 2>&1 || ! command -v ip >/dev/null 2>&1 || ! command -v unshare >/dev/null 2>&1; then
  $APT update -qq && $APT install -y -qq strace iproute2 util-linux
fi

# Scans and images are read by Tesseract (English and Simplified Chinese models), scanned PDF pages rendered by
# Poppler's pdftoppm, legacy Office/OpenDocument/RTF files converted by headless LibreOffice (tests/ingestion/test_ocr.py,
# test_office_convert.py, test_ingest_formats.py; README, "Formats and OCR").
if ! command -v tesseract >/dev/null 2>&1 || ! tesseract --list-langs 2>/dev/null | grep -qx chi_sim \
   || ! command -v pdftoppm >/dev/null 2>&1 || ! command -v soffice >/dev/null 2>&1; then
  $APT update -qq && $APT install -y -qq --no-install-recommends tesseract-ocr tesseract-ocr-eng \
    tesseract-ocr-chi-sim poppler-utils libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui
fi

# The analytics store's PostgreSQL path (tests/services/quality/test_analytics_postgres.py) starts Debian's PostgreSQL
# itself (initdb + pg_ctl in a temporary folder, as the postgres user when run as root).
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  $APT update -qq && $APT install -y -qq postgresql
fi

# tests/services/llm/test_llama_build.py disassembles the installed llama.cpp (objdump) to prove it holds no AVX-512/AMX code.
if ! command -v objdump >/dev/null 2>&1; then
  $APT update -qq && $APT install -y -qq binutils
fi

# The long-documents benchmarks (bench.longdocs, bench.answer --questions longdocs) read the Python documentation and the
# Chinese man pages where Debian installs them, and render the man pages with groff.
if ! dpkg -s python3.11-doc manpages-zh groff >/dev/null 2>&1; then
  $APT update -qq && $APT install -y -qq python3.11-doc manpages-zh groff
fi

# The connector tests (pytest -k connector; README, "Sources and connectors") start nginx and Dovecot themselves, each
# with its own config in a temporary folder; git is the CLI.
if ! command -v nginx >/dev/null 2>&1 || ! command -v dovecot >/dev/null 2>&1 || ! command -v git >/dev/null 2>&1; then
  $APT update -qq && $APT install -y -qq nginx-light dovecot-imapd git
fi

# The connector tests start their own directory and file share (tests/directory_servers.py): OpenLDAP's slapd with
# ldapadd/ldapmodify (tests/services/auth/test_directory.py), Samba's smbd with smbpasswd, smbcacls and smbclient
# (tests/ingestion/test_smb_connector.py, tests/leaks/test_leaks_connector_share.py). Their system services stay off.
if [ ! -x /usr/sbin/slapd ] || ! command -v ldapadd >/dev/null 2>&1 || [ ! -x /usr/sbin/smbd ] \
   || ! command -v smbcacls >/dev/null 2>&1; then
  $APT update -qq && DEBIAN_FRONTEND=noninteractive $APT install -y -qq slapd ldap-utils samba smbclient
  # The tests start their own servers; a system smbd would hold port 445 on every address.
  (systemctl disable --now smbd nmbd slapd || service smbd stop) >/dev/null 2>&1 || true
fi
