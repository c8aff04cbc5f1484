"""classify_latency: median time to classify one report, and accuracy on our own held-out set.

Ours: `gridgov.matters.classifier.classify(text)` (jieba + char n-gram TF-IDF + logistic
regression). Baseline: a keyword lookup over the same catalogue (the matter whose keywords occur
most in the text), the simplest thing a system could do; its accuracy is reported beside ours.
Goals: median ≤ 5 ms per report; top-1 ≥ 85 %, top-3 ≥ 95 % on gridgov/matters/data/heldout_reports.json.

Also reported, outside the goal check: top-1/top-3 on gridgov/matters/data/independent_reports.json, 420
reports (10 per matter) written by a separate author who never saw the training examples, the keywords or
the held-out set, and whether they meet the same 85 % / 95 % bar.
"""

import json
import statistics
import time
from pathlib import Path

from .framework import Result, benchmark, django_with_demo_db

DATA = Path(__file__).resolve().parent.parent / "gridgov" / "matters" / "data"
HELDOUT = DATA / "heldout_reports.json"
INDEPENDENT = DATA / "independent_reports.json"
GOAL_MS = 5.0


def accuracy(predict, reports, name_to_code) -> tuple[float, float]:
    top1 = top3 = 0
    for report in reports:
        codes = predict(report["text"])
        expected = name_to_code[report["matter"]]
        top1 += bool(codes) and codes[0] == expected
        top3 += expected in codes[:3]
    return top1 / len(reports), top3 / len(reports)


@benchmark("classify_latency")
def run() -> Result:
    django_with_demo_db("small")
    from gridgov.matters.classifier import classify, current_classifier
    from gridgov.matters.models import CatalogueVersion

    version = CatalogueVersion.objects.current()
    matters = list(version.matters.all())
    name_to_code = {m.name: m.code for m in matters}
    reports = json.loads(HELDOUT.read_text(encoding="utf-8"))
    current_classifier()  # load or train once, outside the timing

    def ours(text):
        return [s.code for s in classify(text)]

    def keywords(text):
        hits = sorted(
            ((sum(k in text for k in [m.name, *m.keywords]), m.code) for m in matters), reverse=True
        )
        return [code for count, code in hits[:3] if count]

    timings = []
    for report in reports * 3:
        started = time.perf_counter()
        classify(report["text"])
        timings.append((time.perf_counter() - started) * 1000)
    base_timings = []
    for report in reports * 3:
        started = time.perf_counter()
        keywords(report["text"])
        base_timings.append((time.perf_counter() - started) * 1000)
    median, base_median = statistics.median(timings), statistics.median(base_timings)
    top1, top3 = accuracy(ours, reports, name_to_code)
    base1, base3 = accuracy(keywords, reports, name_to_code)
    ok = median <= GOAL_MS and top1 >= 0.85 and top3 >= 0.95
    independent = json.loads(INDEPENDENT.read_text(encoding="utf-8"))
    ind1, ind3 = accuracy(ours, independent, name_to_code)
    ind_base1, ind_base3 = accuracy(keywords, independent, name_to_code)
    ind_verdict = "meets" if ind1 >= 0.85 and ind3 >= 0.95 else "does NOT meet"
    return Result(
        name="classify_latency",
        value=median,
        baseline=base_median,
        ratio=median / base_median,
        goal=f"median ≤ {GOAL_MS} ms; held-out top-1 ≥ 85 %, top-3 ≥ 95 %",
        unit="ms",
        ok=ok,
        note=(
            f"held-out ({len(reports)} reports): top-1 {top1:.1%}, top-3 {top3:.1%}; "
            f"keyword baseline top-1 {base1:.1%}, top-3 {base3:.1%}; "
            f"independent ({len(independent)} reports, not in the goal check): top-1 {ind1:.1%}, top-3 {ind3:.1%} "
            f"({ind_verdict} 85 % / 95 %), keyword baseline top-1 {ind_base1:.1%}, top-3 {ind_base3:.1%}; "
            f"p95 {sorted(timings)[int(len(timings) * 0.95)]:.2f} ms"
        ),
    )
