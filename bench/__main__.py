"""`make bench` runs every benchmark here; `make bench BENCH=name` runs one."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if not p.stem.startswith("_"))


def main(argv: list[str]) -> int:
    names = argv or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}")
        return 2
    if not names:
        print("no benchmarks yet")
        return 0
    failed = 0
    for name in names:
        failed |= subprocess.call([sys.executable, "-m", f"bench.{name}"], cwd=HERE.parent)
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
