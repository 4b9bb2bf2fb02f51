"""The builtin NLU engine: scikit-learn intents, rule entities, gazetteer places.

Trained from nlu/data/nlu.yml (the same file Rasa trains on). The model is cached on disk at
`<nlu_model_dir>/builtin-<hash>.joblib`, where the hash covers the data file(s), this code's
version and scikit-learn's version, so a change of data retrains on the next load.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from nlu import entities as rules
from nlu.base import Entity, IntentScore, NluEngine, ParseResult, PlaceRecord
from nlu.fast_model import FastModel
from nlu.gazetteer import Gazetteer
from nlu.language import detect_language
from nlu.normalize import normalize
from nlu.training_data import DEFAULT_NLU_FILE, load

log = logging.getLogger(__name__)

CODE_VERSION = "builtin-4"  # bumped when normalize() changes what the features see
REPORT_PREFIX = "lapor_"
FALLBACK_INTENT = "nlu_fallback"
MAX_CHARS = 4000
RANKING_SIZE = 10

Progress = Callable[[str], None]
TRAIN_STEPS = ("read data", "fit features", "fit classifier", "save model")


def category_of(intent: str) -> str:
    """The taxonomy code of an intent: lapor_banjir -> banjir; any other intent -> lainnya."""
    return intent[len(REPORT_PREFIX) :] if intent.startswith(REPORT_PREFIX) else "lainnya"


def data_hash(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
        digest.update(b"\0")
    digest.update(CODE_VERSION.encode())
    digest.update(sklearn.__version__.encode())
    return digest.hexdigest()


def build_pipeline() -> Pipeline:
    features = FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(analyzer="word", token_pattern=r"\S+", ngram_range=(1, 2), sublinear_tf=True),
            ),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, max_features=60000
                ),
            ),
        ]
    )
    classifier = CalibratedClassifierCV(
        LinearSVC(C=0.7, class_weight="balanced"), method="sigmoid", cv=3, ensemble=False
    )
    return Pipeline([("features", features), ("clf", classifier)])


class BuiltinEngine(NluEngine):
    name = "builtin"

    def __init__(
        self,
        *,
        places: Sequence[PlaceRecord] | None = None,
        gazetteer: Gazetteer | None = None,
        data_paths: Sequence[Path] | None = None,
        model_dir: Path | None = None,
        settings: Any | None = None,
    ) -> None:
        if model_dir is None:
            model_dir = Path(settings.nlu_model_dir) if settings is not None else Path("./var/nlu")
        self.model_dir = Path(model_dir)
        self.data_paths = [Path(p) for p in (data_paths or [DEFAULT_NLU_FILE])]
        self.gazetteer = gazetteer if gazetteer is not None else Gazetteer(list(places or []))
        self._model: dict[str, Any] | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ model
    def model_path(self) -> Path:
        return self.model_dir / f"builtin-{data_hash(self.data_paths)}.joblib"

    def train(self, force: bool = False, progress: Progress | None = None) -> Path:
        """Train (or load the cached model when the data has not changed, unless `force`)."""
        step = progress or (lambda _name: None)
        with self._lock:
            path = self.model_path()
            if not force and path.exists():
                model = self._read(path)
                if model is not None:
                    self._model = model
                    for name in TRAIN_STEPS:
                        step(name)
                    return path
            self._model = self._fit(step)
            step("save model")
            self.model_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            joblib.dump(self._model, tmp)
            os.replace(tmp, path)
            log.info("builtin NLU model trained: %s", path)
            return path

    def _read(self, path: Path) -> dict[str, Any] | None:
        try:
            model = joblib.load(path)
        except Exception:  # a broken or foreign file: train again
            log.warning("could not read %s, retraining", path)
            return None
        return model if isinstance(model, dict) and "fast" in model else None

    def _fit(self, step: Progress) -> dict[str, Any]:
        examples = []
        for path in self.data_paths:
            examples.extend(load(path).examples)
        step("read data")
        texts = [normalize(e.text) for e in examples]
        labels = [e.intent for e in examples]
        pipeline = build_pipeline()
        features = pipeline.named_steps["features"].fit(texts)
        step("fit features")
        pipeline.named_steps["clf"].fit(features.transform(texts), labels)
        step("fit classifier")
        return {
            "pipeline": pipeline,
            "fast": FastModel(pipeline),
            "version": CODE_VERSION,
            "n_examples": len(texts),
        }

    def ensure_model(self) -> None:
        if self._model is None:
            self.train()

    @property
    def intents(self) -> list[str]:
        self.ensure_model()
        assert self._model is not None
        return [str(c) for c in self._model["pipeline"].classes_]

    # ------------------------------------------------------------------ parse
    def classify(self, text: str) -> list[IntentScore]:
        self.ensure_model()
        assert self._model is not None
        norm = normalize(text)
        if not norm.strip():
            return []
        fast: FastModel = self._model["fast"]
        proba = fast.predict_proba(norm)
        order = np.argsort(proba)[::-1][:RANKING_SIZE]
        classes = fast.classes
        return [IntentScore(str(classes[i]), round(float(proba[i]), 4)) for i in order]

    def extract_entities(self, text: str) -> tuple[list[Entity], Any]:
        found = rules.extract(text)
        hit = self.gazetteer.match_span(text)
        place = None
        if hit is not None:
            place, start, end = hit
            if start >= 0:
                found.append(Entity("lokasi", text[start:end], start, end, round(place.confidence, 3)))
        return rules.without_overlaps(found), place

    def parse(self, text: str) -> ParseResult:
        original = text if isinstance(text, str) else ""
        try:
            return self._parse(original)
        except Exception:  # a parse must never break the conversation
            log.exception("builtin NLU failed on a message of %d chars", len(original))
            return ParseResult(original, IntentScore(FALLBACK_INTENT, 0.0), [], [], "lainnya")

    def _parse(self, text: str) -> ParseResult:
        body = text[:MAX_CHARS]
        ranking = self.classify(body)
        intent = ranking[0] if ranking else IntentScore(FALLBACK_INTENT, 0.0)
        found, place = self.extract_entities(body)
        return ParseResult(
            text=text,
            intent=intent,
            intent_ranking=ranking,
            entities=found,
            category=category_of(intent.name),
            location=place,
            language=detect_language(body),
        )


def time_parse(engine: NluEngine, texts: Sequence[str]) -> list[float]:
    """Milliseconds per parse, one per text."""
    out = []
    for text in texts:
        start = time.perf_counter()
        engine.parse(text)
        out.append((time.perf_counter() - start) * 1000)
    return out
