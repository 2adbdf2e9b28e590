"""Fit the confidence model on the TUNING part of the ConfliBERT class set; report reliability on the CHECK part.

    python benchmarks/calibrate.py [--shared ../shared]            # tables only
    python benchmarks/calibrate.py --write                         # refit and write data/confidence.json

Every coded event of every sentence is an example; it counts as right when its CAMEO root falls in the
sentence's gold PentaClass. The sentences are split by benchmarks/splits.py; the check part is never fitted to.
The tuning part is split again (by a hash of the sentence, `CALIBRATION_SHARE` of it):

1. the weights of the logistic model over polybius.events.confidence.FEATURES are fitted (L2, gradient
   descent, numpy) on the larger slice; the weight of `classifier_agreement` is kept >= 0, so that confidence
   never falls as the classifier agrees more;
2. a monotone map from the logistic score to observed precision is fitted on the other slice (Platt scaling:
   a sigmoid of the score's logit, written as points on a grid), so that the score means what it claims on
   sentences its weights never saw.

The classifier's feature (`classifier_agreement`) and its fallback events are cross-fitted: each tuning
sentence is coded by a classifier trained without the ConfliBERT sentences of its own slice (two fold models,
trained here as benchmarks/train_classifier.py trains the shipped one); the check part by the shipped
classifier.

The tables give, per confidence band, the events, mean confidence and observed precision, and the expected
calibration error (ECE: the event-weighted mean |confidence - precision| over ten bins of width 0.1), for the
confidence shipped now (what `polybius code` prints, as coded) and for the refitted model, on both parts.
Rerun this one command after any change to the features (a new feature needs only its name in FEATURES).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train_classifier  # noqa: E402
from accuracy import code_texts, penta  # noqa: E402
from splits import CHECK, CLASS_FILE, PARTS, TUNE, default_shared, read_classes, sentence_part  # noqa: E402

from polybius.events.classify import Classifier, event_classes, fit  # noqa: E402
from polybius.events.confidence import CONFIDENCE_FILE, FEATURES, ConfidenceModel  # noqa: E402
from polybius.events.ontology import default_ontology  # noqa: E402
from polybius.pipeline import Coder, Options  # noqa: E402

CALIBRATION_SEED = "polybius-calibration"
CALIBRATION_SHARE = 0.35
NONNEGATIVE = ("classifier_agreement",)
L2_GRID = (0.5, 5.0, 20.0, 50.0, 150.0)
BANDS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


def calibration_slice(text: str) -> bool:
    digest = hashlib.sha1(f"{CALIBRATION_SEED}\x00{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < CALIBRATION_SHARE


def fold_classifiers(shared: Path, shipped: Classifier) -> tuple[Classifier, Classifier]:
    """Two classifiers trained as benchmarks/train_classifier.py trains the shipped one, each without the
    ConfliBERT tuning sentences of one calibration slice: (without the fit slice, without the calibration slice).
    A tuning sentence is coded by the one that never saw it, so that its `classifier_agreement` and fallback
    events are as they will be on new text (the shipped classifier has seen every tuning sentence)."""
    classes = event_classes(default_ontology())
    x, allowed, source, texts = train_classifier.parse_examples(train_classifier.collect(shared, classes))
    confl = source == train_classifier.SOURCES.index("conflibert")
    in_calib = np.array([calibration_slice(t) for t in texts])
    share = train_classifier.parse_share(train_classifier.DEFAULT_SHARE)
    models = []
    for leave_out in (~in_calib, in_calib):
        keep = ~(confl & leave_out)
        w, b = fit(x[keep], allowed[keep], train_classifier.weights_for(source[keep], share))
        models.append(replace(shipped, weights=w, bias=b))
    return models[0], models[1]


def examples(coder: Coder, path: Path, folds: tuple[Classifier, Classifier] | None) -> dict[str, np.ndarray]:
    """Per event: its features (FEATURES order), right or not, its sentence's part and calibration slice, and
    the confidence it was coded with. With `folds`, a tuning sentence is coded by the fold classifier that did
    not see it; check sentences by the coder's own (shipped) classifier."""
    rows = read_classes(path)
    if folds is None:
        results = code_texts(coder, [r[0] for r in rows])
    else:
        results = [None] * len(rows)
        shipped = coder.extractor.classifier
        groups = ((CHECK, None, shipped), (TUNE, False, folds[0]), (TUNE, True, folds[1]))
        for part, calib, model in groups:
            idx = [
                i
                for i, (t, _) in enumerate(rows)
                if sentence_part(t) == part and (calib is None or calibration_slice(t) == calib)
            ]
            coder.extractor.classifier = model
            for i, r in zip(idx, code_texts(coder, [rows[i][0] for i in idx]), strict=True):
                results[i] = r
        coder.extractor.classifier = shipped
    xs, ys, part, calib, shipped_conf = [], [], [], [], []
    for (text, gold), result in zip(rows, results, strict=True):
        for ev in result.events:
            feats = ev.extra["features"]
            xs.append([feats.get(f, 0.0) for f in FEATURES])
            ys.append(float(penta(ev.cameo_root) == gold))
            part.append(sentence_part(text))
            calib.append(calibration_slice(text))
            shipped_conf.append(ev.confidence)
    return {
        "x": np.array(xs, dtype=float).reshape(-1, len(FEATURES)),
        "y": np.array(ys),
        "part": np.array(part),
        "calib": np.array(calib, dtype=bool),
        "shipped": np.array(shipped_conf),
    }


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 0.5, steps: int = 4000, lr: float = 0.5
) -> tuple[float, np.ndarray]:
    w = np.zeros(x.shape[1])
    b = 0.0
    n = len(y)
    keep_positive = np.array([f in NONNEGATIVE for f in FEATURES])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        w -= lr * (x.T @ (p - y) / n + l2 * w / n)
        b -= lr * float(np.mean(p - y))
        w[keep_positive] = np.maximum(w[keep_positive], 0.0)
    return b, w


def platt(raw: np.ndarray, y: np.ndarray, steps: int = 3000, lr: float = 0.5) -> tuple[float, float]:
    """Platt scaling: (a, b) of p = sigmoid(a * logit(raw) + b), fitted by gradient descent on the log loss;
    a is kept positive so that the map rises."""
    z = np.log(np.clip(raw, 1e-4, 1 - 1e-4) / (1 - np.clip(raw, 1e-4, 1 - 1e-4)))
    a, b = 1.0, 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(a * z + b)))
        a = max(a - lr * float(np.mean((p - y) * z)), 0.05)
        b -= lr * float(np.mean(p - y))
    return a, b


def calibration_points(a: float, b: float) -> tuple[tuple[float, float], ...]:
    """The Platt map as points on a grid of logistic scores (the model reads them by linear interpolation)."""
    grid = [0.01, *np.round(np.arange(0.05, 0.951, 0.05), 2).tolist(), 0.99]
    return tuple(
        (round(float(r), 4), round(float(1 / (1 + np.exp(-(a * np.log(r / (1 - r)) + b)))), 4)) for r in grid
    )


def reliability(conf: np.ndarray, y: np.ndarray, title: str) -> float:
    """Print the per-band table; return the ECE over ten bins."""
    bins = np.minimum((conf * 10).astype(int), 9)
    ece = sum(
        abs(conf[bins == k].mean() - y[bins == k].mean()) * (bins == k).sum()
        for k in range(10)
        if (bins == k).any()
    )
    ece /= max(len(y), 1)
    print(
        f"{title}: {len(y)} events, precision {y.mean():.3f}, mean confidence {conf.mean():.3f}, **ECE {ece:.3f}**\n"
    )
    print("| band | events | mean confidence | precision |")
    print("|---|---|---|---|")
    for lo, hi in zip(BANDS, BANDS[1:], strict=False):
        sel = (conf >= lo) & ((conf < hi) if hi < 1.0 else (conf <= hi))
        if sel.any():
            print(f"| {lo:.1f}-{hi:.1f} | {int(sel.sum())} | {conf[sel].mean():.3f} | {y[sel].mean():.3f} |")
        else:
            print(f"| {lo:.1f}-{hi:.1f} | 0 | - | - |")
    print()
    return float(ece)


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def refit(data: dict[str, np.ndarray]) -> ConfidenceModel:
    """Weights on the tuning part's larger slice (the L2 strength that predicts the other slice best), the
    calibration map on its other slice."""
    tune = data["part"] == TUNE
    fit_rows = tune & ~data["calib"]
    map_rows = tune & data["calib"]
    best: tuple[float, ConfidenceModel, np.ndarray] | None = None
    for l2 in L2_GRID:
        bias, w = fit_logistic(data["x"][fit_rows], data["y"][fit_rows], l2=l2)
        weights = {f: round(float(v), 4) for f, v in zip(FEATURES, w, strict=True) if abs(v) > 1e-4}
        logistic = ConfidenceModel(round(bias, 4), weights)
        raw = np.array([logistic.raw(dict(zip(FEATURES, row, strict=True))) for row in data["x"][map_rows]])
        loss = log_loss(raw, data["y"][map_rows])
        print(f"L2 {l2:g}: log loss on the calibration slice {loss:.4f}")
        if best is None or loss < best[0]:
            best = (loss, logistic, raw)
    assert best is not None
    _, logistic, raw = best
    a, b = platt(raw, data["y"][map_rows])
    print()
    return ConfidenceModel(logistic.bias, logistic.weights, calibration_points(a, b))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=str(default_shared()))
    ap.add_argument("--write", action="store_true", help="write the refitted model to data/confidence.json")
    ap.add_argument("--out", default=str(CONFIDENCE_FILE))
    ap.add_argument("--no-classifier", action="store_true", help="code without the classifier (rules alone)")
    ap.add_argument("--examples", help="an .npz to save the coded events to, or to read them from if it exists")
    args = ap.parse_args(argv)
    path = Path(args.shared) / CLASS_FILE
    if not path.exists():
        print(f"skipped: {path} not found")
        return 0
    if args.examples and Path(args.examples).exists():
        with np.load(args.examples) as cached:
            data = {k: cached[k] for k in cached.files}
        if data["x"].shape[1] != len(FEATURES):
            print(f"{args.examples} was saved with other features: delete it to recode")
            return 1
    else:
        coder = Coder(Options(classifier=not args.no_classifier))
        folds = None
        if coder.extractor.classifier is not None:
            folds = fold_classifiers(Path(args.shared), coder.extractor.classifier)
        data = examples(coder, path, folds)
        if args.examples:
            np.savez(args.examples, **data)
    print("### Confidence as shipped (tuning sentences coded by the fold classifier that did not see them)\n")
    for part in PARTS:
        sel = data["part"] == part
        reliability(data["shipped"][sel], data["y"][sel], f"{part} part")
    model = refit(data)
    scores = np.array([model.score(dict(zip(FEATURES, row, strict=True))) for row in data["x"]])
    print("### Refitted: weights on the tuning part's fit slice, calibration map on its other slice\n")
    for part, label in ((TUNE, "tune part (fitted on)"), (CHECK, "check part (never fitted to)")):
        sel = data["part"] == part
        reliability(scores[sel], data["y"][sel], label)
    print(
        "weights:",
        ", ".join(f"{k} {v:+.2f}" for k, v in sorted(model.weights.items())),
        f"(bias {model.bias:+.2f})",
    )
    print("calibration map:", ", ".join(f"{x:.2f}->{y:.2f}" for x, y in model.calibration), "\n")
    if args.write:
        Path(args.out).write_text(model.to_json(), encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
