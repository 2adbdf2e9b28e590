"""Fit the confidence model (data/confidence.json) on the ConfliBERT CAMEO class set.

    python benchmarks/calibrate.py [--shared ../shared] [--write]

Every coded event of every sentence is an example; it counts as right when its CAMEO root falls in the
sentence's gold PentaClass. A logistic regression (L2, gradient descent, numpy) over the named features of
polybius.events.confidence is fitted on two thirds of the sentences and evaluated on the last third: the table
shows, per confidence band, how many held-out events fall in it and how many are right (calibration), and the
precision / sentence coverage kept at each threshold. With --write the model is refitted on all sentences and
written to src/polybius/data/confidence.json.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import code_texts, penta  # noqa: E402

from polybius.events.confidence import CONFIDENCE_FILE, FEATURES, ConfidenceModel  # noqa: E402
from polybius.pipeline import Coder, Options  # noqa: E402


def examples(coder: Coder, path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    rows = [ln.rsplit("\t", 1) for ln in path.read_text(encoding="utf-8").splitlines() if "\t" in ln]
    results = code_texts(coder, [r[0] for r in rows])
    xs, ys, sentence = [], [], []
    for i, ((_, gold), result) in enumerate(zip(rows, results, strict=True)):
        for ev in result.events:
            feats = ev.extra["features"]
            xs.append([feats[f] for f in FEATURES])
            ys.append(float(penta(ev.cameo_root) == gold.strip()))
            sentence.append(i)
    return np.array(xs), np.array(ys), np.array(sentence), len(rows)


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.5, steps: int = 3000, lr: float = 0.5) -> ConfidenceModel:
    w = np.zeros(x.shape[1])
    b = 0.0
    n = len(y)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        grad_w = x.T @ (p - y) / n + l2 * w / n
        grad_b = float(np.mean(p - y))
        w -= lr * grad_w
        b -= lr * grad_b
    weights = {f: round(float(v), 4) for f, v in zip(FEATURES, w, strict=True) if abs(v) > 1e-4}
    return ConfidenceModel(round(b, 4), weights)


def report(model: ConfidenceModel, x: np.ndarray, y: np.ndarray, sentence: np.ndarray, n_sentences: int) -> None:
    scores = np.array([model.score(dict(zip(FEATURES, row, strict=True))) for row in x])
    print("| confidence band | events | right | observed precision |")
    print("|---|---|---|---|")
    for lo in np.arange(0.0, 1.0, 0.1):
        sel = (scores >= lo) & (scores < lo + 0.1)
        if sel.any():
            print(f"| {lo:.1f}-{lo + 0.1:.1f} | {int(sel.sum())} | {int(y[sel].sum())} | {y[sel].mean():.2f} |")
    print("\n| threshold | events kept | precision | sentences with an event kept |")
    print("|---|---|---|---|")
    for t in (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        sel = scores >= t
        if sel.any():
            cover = len(set(sentence[sel].tolist())) / n_sentences
            print(f"| {t:.1f} | {int(sel.sum())} | {y[sel].mean():.2f} | {cover:.2f} |")
    print()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    ap.add_argument("--write", action="store_true", help="refit on all sentences and write data/confidence.json")
    args = ap.parse_args()
    path = Path(args.shared) / "devsets" / "conflibert" / "cameo_class_train.tsv"
    if not path.exists():
        print(f"skipped: {path} not found")
        return 0
    x, y, sentence, n = examples(Coder(Options()), path)
    cut = (2 * n) // 3
    train, test = sentence < cut, sentence >= cut
    model = fit(x[train], y[train])
    print(f"### Confidence calibration (fit on sentences 1-{cut}, held out {cut + 1}-{n}: {int(test.sum())} events)\n")
    report(model, x[test], y[test], sentence[test] - cut, n - cut)
    if args.write:
        full = fit(x, y)
        CONFIDENCE_FILE.write_text(full.to_json(), encoding="utf-8")
        print(f"wrote {CONFIDENCE_FILE} (fitted on all {len(y)} events)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
