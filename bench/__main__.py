"""`python -m bench` lists the benchmarks; run one with `python -m bench.<name> --help`."""

from __future__ import annotations

from pathlib import Path


def main() -> None:
    here = Path(__file__).parent
    names = sorted(p.parent.name for p in here.glob("*/__main__.py"))
    print("benchmarks:", ", ".join(names) or "none")
    print("run one with: python -m bench.<name> --help")


if __name__ == "__main__":
    main()
