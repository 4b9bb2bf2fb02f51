"""A trained scikit-learn pipeline compiled to dictionaries and one matrix, for sub-millisecond parses.

scikit-learn's per-call validation costs milliseconds for a single short text; the arithmetic
itself costs microseconds. FastModel reproduces, for one text at a time, exactly what the
pipeline of nlu.builtin computes: word and char_wb TF-IDF (sublinear tf, l2 norm per block),
the linear SVM's decision function, and the sigmoid calibration of CalibratedClassifierCV.
tests/nlu/test_builtin.py checks that both give the same probabilities.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
from sklearn.pipeline import Pipeline


@dataclass
class _Block:
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int
    analyzer: str  # "word" | "char_wb"
    ngram_range: tuple[int, int]


class FastModel:
    def __init__(self, pipeline: Pipeline) -> None:
        features = pipeline.named_steps["features"]
        calibrated = pipeline.named_steps["clf"]
        self.classes = [str(c) for c in calibrated.classes_]
        self.blocks: list[_Block] = []
        offset = 0
        for _name, vec in features.transformer_list:
            size = len(vec.vocabulary_)
            self.blocks.append(
                _Block(
                    dict(vec.vocabulary_), np.asarray(vec.idf_), offset, vec.analyzer, tuple(vec.ngram_range)
                )
            )
            offset += size
        if len(calibrated.calibrated_classifiers_) != 1:
            raise ValueError("FastModel needs CalibratedClassifierCV(ensemble=False)")
        inner = calibrated.calibrated_classifiers_[0]
        estimator = inner.estimator
        self.coef_t = np.ascontiguousarray(np.asarray(estimator.coef_, dtype=np.float64).T)
        self.intercept = np.asarray(estimator.intercept_, dtype=np.float64)
        self.a = np.array([c.a_ for c in inner.calibrators], dtype=np.float64)
        self.b = np.array([c.b_ for c in inner.calibrators], dtype=np.float64)

    @staticmethod
    def _word_ngrams(text: str, lo: int, hi: int) -> list[str]:
        tokens = text.split()
        out: list[str] = []
        for n in range(lo, hi + 1):
            for i in range(len(tokens) - n + 1):
                out.append(" ".join(tokens[i : i + n]))
        return out

    @staticmethod
    def _char_wb_ngrams(text: str, lo: int, hi: int) -> list[str]:
        out: list[str] = []
        for word in text.split():
            w = f" {word} "
            w_len = len(w)
            for n in range(lo, hi + 1):
                offset = 0
                out.append(w[offset : offset + n])
                while offset + n < w_len:
                    offset += 1
                    out.append(w[offset : offset + n])
                if offset == 0:
                    break
        return out

    def _features(self, text: str) -> tuple[list[int], list[float]]:
        text = text.lower()
        indices: list[int] = []
        values: list[float] = []
        for block in self.blocks:
            lo, hi = block.ngram_range
            grams = (
                self._word_ngrams(text, lo, hi)
                if block.analyzer == "word"
                else self._char_wb_ngrams(text, lo, hi)
            )
            counts = Counter(g for g in grams if g in block.vocabulary)
            if not counts:
                continue
            idx = [block.vocabulary[g] for g in counts]
            vals = [(1.0 + math.log(c)) * block.idf[i] for c, i in zip(counts.values(), idx, strict=True)]
            norm = math.sqrt(sum(v * v for v in vals))
            indices.extend(block.offset + i for i in idx)
            values.extend(v / norm for v in vals)
        return indices, values

    def predict_proba(self, text: str) -> np.ndarray:
        indices, values = self._features(text)
        decision = self.intercept.copy()
        if indices:
            decision += np.asarray(values) @ self.coef_t[indices]
        proba = 1.0 / (1.0 + np.exp(self.a * decision + self.b))
        total = proba.sum()
        if total <= 0 or not np.isfinite(total):
            return np.full(len(self.classes), 1.0 / len(self.classes))
        return proba / total
