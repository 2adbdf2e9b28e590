"""Confidence: a logistic model over what the text pins down about an event.

The features are named facts about a coded event (is the source's country known, is there a target, how
specific was the lexicon entry, ...); on purpose none of them is the event's class, so that the fit learns how
well an event is pinned down, not the class balance of the development set. Their weights live in data/confidence.json and are fitted on the
development sets by `benchmarks/calibrate.py` (the tuning part: weights on one slice, a monotone calibration
map on another; reliability is reported on the check part), so that the score reads as a probability that the
event's CAMEO class is right: keeping events above a threshold trades recall for precision.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from polybius.models import Actor

IMPLIED = "implied"  # an agent the act implies ("curfew imposed": the state), not one the text names
CONFIDENCE_FILE = Path(__file__).resolve().parents[1] / "data" / "confidence.json"
FEATURES = (
    "source_country",  # the source has a country (or is an IGO/NGO)
    "source_sector",  # the source has a sector
    "source_person",  # the source is a named person from the knowledge base or a dictionary
    "source_inferred",  # the source's country came from the story, an earlier sentence or a pronoun
    "target",  # there is a target
    "target_country",
    "target_inferred",
    "specificity",  # lexicon entry specificity - 1 (objects, particles, prepositions matched)
    "root_level_code",  # "010", "040": the generic code of a root
    "statement",  # CAMEO 01 (statements)
    "appeal",  # CAMEO 02
    "intent",
    "threat",
    "refused",
    "nominal",  # coded from an event noun ("talks between ...")
    "pattern",  # coded by an imported verb pattern
    "recipient_missing",  # the PLOVER type needs a recipient and the sentence names none
    "target_from_phrase",  # no slot named the target; it is the first actor of the predicate's phrase
    "reports_act",  # a statement whose reported clause holds a coded act (ranked below that act)
    "classifier",  # typed by the classifier (events.classify), no lexicon entry: rule "classifier"
    "classifier_agreement",  # the classifier's probability of the event's PentaClass, centred: 2p - 1 (0: none)
    "backoff_similar",  # no entry's frame fitted; the entry with the nearest objects was taken (events.backoff)
    "backoff_default",  # no entry's frame fitted and none was near: the verb's or noun's default code
    "background",  # recalled as the time or cause of the news ("since the invasion"): not the story's act
)
INFERRED = ("text:earlier", "text:main-country", IMPLIED)  # context, not the words themselves, gave the country


def features(
    code: str,
    specificity: int,
    source: Actor,
    target: Actor | None,
    modality: str,
    nominal: bool,
    pattern: bool = False,
    recipient_missing: bool = False,
    target_from_phrase: bool = False,
    backoff: str = "",
    background: bool = False,
) -> dict[str, float]:
    root = int(code[:2]) if code[:2].isdigit() else 0
    return {
        "source_country": float(bool(source.country)),
        "source_sector": float(bool(source.sector)),
        "source_person": float(source.how in ("kb:leaders",) or source.how.startswith("dict:")),
        "source_inferred": float(source.how in INFERRED),
        "target": float(target is not None),
        "target_country": float(bool(target is not None and target.country)),
        "target_inferred": float(target is not None and target.how in INFERRED),
        "specificity": float(specificity - 1),
        "root_level_code": float(len(code) == 3 and code.endswith("0")),
        "statement": float(root == 1),
        "appeal": float(root == 2),
        "intent": float(modality == "intent"),
        "threat": float(modality == "threat"),
        "refused": float(modality == "refused"),
        "nominal": float(nominal),
        "pattern": float(pattern),
        "recipient_missing": float(recipient_missing),
        "target_from_phrase": float(target_from_phrase),
        "reports_act": 0.0,  # set by the sentence's ranking (events.extract.rank_statements)
        "classifier": 0.0,  # set by events.extract.second_opinion, as is the agreement
        "classifier_agreement": 0.0,
        "backoff_similar": float(backoff == "similar"),
        "backoff_default": float(backoff == "default"),
        "background": float(background),
    }


@dataclass(frozen=True)
class ConfidenceModel:
    """A logistic score over the features (a feature the weights do not name weighs 0), then, when the model
    has one, a monotone calibration map: points (logistic score, observed precision) fitted on data the
    weights were not fitted to, read by linear interpolation (flat beyond the first and last point)."""

    bias: float
    weights: dict[str, float]
    calibration: tuple[tuple[float, float], ...] = ()

    def raw(self, feats: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(name, 0.0) * value for name, value in feats.items())
        z = max(-60.0, min(60.0, z))
        return 1.0 / (1.0 + math.exp(-z))

    def score(self, feats: dict[str, float]) -> float:
        return self.calibrate(self.raw(feats))

    def calibrate(self, p: float) -> float:
        points = self.calibration
        if not points:
            return p
        if p <= points[0][0]:
            return points[0][1]
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
            if p <= x1:
                return y0 + (y1 - y0) * (p - x0) / (x1 - x0) if x1 > x0 else y1
        return points[-1][1]

    def to_json(self) -> str:
        data: dict[str, object] = {"bias": self.bias, "weights": self.weights}
        if self.calibration:
            data["calibration"] = [list(pt) for pt in self.calibration]
        return json.dumps(data, indent=2, sort_keys=True) + "\n"


def load_confidence(path: Path = CONFIDENCE_FILE) -> ConfidenceModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    weights = {str(k): float(v) for k, v in data["weights"].items()}
    unknown = set(weights) - set(FEATURES)
    if unknown:
        raise ValueError(f"{path}: unknown features {', '.join(sorted(unknown))}")
    points = tuple((float(x), float(y)) for x, y in data.get("calibration", ()))
    if any(not 0.0 <= v <= 1.0 for pt in points for v in pt) or any(
        b[0] < a[0] or b[1] < a[1] for a, b in zip(points, points[1:], strict=False)
    ):
        raise ValueError(f"{path}: the calibration points must rise, within [0, 1]")
    return ConfidenceModel(float(data["bias"]), weights, points)


@cache
def default_confidence() -> ConfidenceModel:
    return load_confidence()
