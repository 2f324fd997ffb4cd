"""Coverage over time for the coverage page's chart: one pass over the history (CoverageTimeline)
against one indicator query per month and indicator, on the 景洪 demo in a fresh SQLite database.

Prints {"bench": "coverage", "months": …, "indicators": …, "timeline_ms": …, "per_day_ms": …,
"speedup": …}.
"""

import io
import json
import os
import tempfile
import time

REPEATS = 5


def main() -> None:
    os.environ["CUNCUN_VAR_DIR"] = tempfile.mkdtemp(prefix="cuncun-bench-")
    os.environ.setdefault("CUNCUN_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cuncun.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=io.StringIO())

    from cuncun.core.indicators import registry
    from cuncun.network.queries import month_starts, recorded_span
    from cuncun.network.timeline import CoverageTimeline
    from cuncun.regions.models import Level, RegionUnit

    county = RegionUnit.objects.get(level=Level.COUNTY)
    months = month_starts(recorded_span()[0], timezone.localdate())
    codes = list(CoverageTimeline.build(county).on(months[0]))

    def timeline():
        built = CoverageTimeline.build(county)
        return [built.on(m) for m in months]

    def per_day():
        return [{c: registry.get(c).compute(county, m) for c in codes} for m in months]

    timeline_ms = _best_ms(timeline)
    per_day_ms = _best_ms(per_day)
    print(
        json.dumps(
            {
                "bench": "coverage",
                "months": len(months),
                "indicators": len(codes),
                "timeline_ms": round(timeline_ms, 1),
                "per_day_ms": round(per_day_ms, 1),
                "speedup": round(per_day_ms / timeline_ms, 1),
            }
        )
    )


def _best_ms(work) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        work()
        best = min(best, (time.perf_counter() - start) * 1000)
    return best


if __name__ == "__main__":
    main()
