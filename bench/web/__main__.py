"""bench/web: the web app in Chromium against the real stack (web/bench/web.bench.ts).

Seeds a workspace of --count contacts (contacts-admin seed), then prints the time from navigation
to the first rows, from the last keystroke to the updated table (search, 30 queries) and from a
filter change to the updated table, each beside the API's own time for the same request, and the
rows painted per second and DOM rows while scrolling fast through 5,000 rows. Needs the local stack
(`make stack-up`) and the web build (`scripts/web.sh build`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.web", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="contacts to seed (default 1000000)")
    args = parser.parse_args()
    env = {**os.environ, "CONTACTS_E2E_SEED": str(args.count), "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"}
    cmd = ["npx", "playwright", "test", "-c", "playwright.bench.config.ts"]
    sys.exit(subprocess.call(cmd, cwd=WEB, env=env))


if __name__ == "__main__":
    main()
