"""Matter classification: report text → the three most likely matters, best first.

Trained from the current catalogue version's keywords and example texts: TF-IDF over character
1–3-grams (robust to typos and dialect spellings) joined with jieba word tokens, and a logistic
regression whose probabilities are the scores. A model is trained once per catalogue version and
kept in memory and in var/models/, so a web worker does not retrain on start.
"""

import hashlib
import logging
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import jieba
import joblib
import numpy as np
import scipy.sparse
from django.conf import settings
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from .models import CatalogueVersion

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)
MAX_TEXT = 2000  # longer texts are classified on their beginning


@dataclass(frozen=True)
class Suggestion:
    code: str
    name: str
    score: float


def _words(text: str) -> list[str]:
    return [w for w in jieba.lcut(text) if w.strip()]


def training_set(version: CatalogueVersion) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for matter in version.matters.all():
        for text in [matter.name, *matter.keywords, *matter.examples]:
            texts.append(text)
            labels.append(matter.code)
    return texts, labels


def build_pipeline() -> Pipeline:
    features = FeatureUnion(
        [
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=1)),
            (
                "words",
                TfidfVectorizer(tokenizer=_words, token_pattern=None, lowercase=False, sublinear_tf=True),
            ),
        ]
    )
    return Pipeline([("features", features), ("model", LogisticRegression(C=20.0, max_iter=3000))])


@dataclass
class TrainedClassifier:
    version: int
    pipeline: Pipeline
    names: dict[str, str]

    def suggest(self, text: str, k: int = 3) -> list[Suggestion]:
        text = text[:MAX_TEXT]
        probabilities = (
            self._probabilities(text) if self._lean is not None else self._pipeline_probabilities(text)
        )
        classes = self.pipeline.classes_
        best = probabilities.argsort()[::-1][:k]
        return [
            Suggestion(classes[i], self.names[classes[i]], round(float(probabilities[i]), 4)) for i in best
        ]

    def _pipeline_probabilities(self, text: str):
        # The same as pipeline.predict_proba, without FeatureUnion's joblib dispatch, which costs
        # more than the transforms themselves for a single short text.
        transformers = self.pipeline.named_steps["features"].transformer_list
        features = scipy.sparse.hstack([t.transform([text]) for _, t in transformers]).tocsr()
        return self.pipeline.named_steps["model"].predict_proba(features)[0]

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_lean", None)  # analyzers are rebuilt after loading, never pickled
        return state

    @cached_property
    def _lean(self):
        """What `_probabilities` needs, taken once from the fitted pipeline: per vectorizer its
        analyzer, vocabulary, idf and the model's weights for its columns. None where the
        arithmetic below would not be the pipeline's (binary model, other TF-IDF settings)."""
        model = self.pipeline.named_steps["model"]
        if len(model.classes_) < 3:
            return None  # two classes: a sigmoid, not a softmax
        parts, offset = [], 0
        for _, vectorizer in self.pipeline.named_steps["features"].transformer_list:
            if not (
                vectorizer.use_idf
                and vectorizer.sublinear_tf
                and vectorizer.norm == "l2"
                and not vectorizer.binary
            ):
                return None
            size = len(vectorizer.vocabulary_)
            weights = np.ascontiguousarray(model.coef_[:, offset : offset + size].T)
            parts.append((vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_, weights))
            offset += size
        return parts, model.intercept_

    def _probabilities(self, text: str):
        """predict_proba of the fitted pipeline, computed directly: the TF-IDF row of each
        vectorizer (sublinear tf × idf, l2-normalised) times the model's weights, then softmax.
        Gives the pipeline's probabilities (tested) in an eighth of its time: scikit-learn's
        per-call input validation and sparse-matrix building cost more than the arithmetic."""
        parts, intercept = self._lean
        scores = intercept.copy()
        for analyze, vocabulary, idf, weights in parts:
            counts: dict[int, int] = {}
            for token in analyze(text):
                column = vocabulary.get(token)
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
            if not counts:
                continue
            columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf[
                columns
            ]
            values /= np.sqrt(values @ values)
            scores += values @ weights[columns]
        scores -= scores.max()
        exp = np.exp(scores)
        return exp / exp.sum()


def model_path(version: CatalogueVersion) -> Path:
    # Named by a digest of the training data too: a database rebuilt with other examples under the
    # same version number must not pick up a stale model.
    texts, labels = training_set(version)
    digest = hashlib.sha1("\x1f".join(texts + labels).encode()).hexdigest()[:12]
    return Path(settings.VAR_DIR) / "models" / f"matter-classifier-v{version.number}-{digest}.joblib"


def train(version: CatalogueVersion, *, save: bool = True) -> TrainedClassifier:
    texts, labels = training_set(version)
    pipeline = build_pipeline().fit(texts, labels)
    names = dict(version.matters.values_list("code", "name"))
    trained = TrainedClassifier(version.number, pipeline, names)
    if save:
        path = model_path(version)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(trained, path)
    return trained


_lock = threading.Lock()
_current: TrainedClassifier | None = None


def invalidate_classifier() -> None:
    global _current
    _current = None


def current_classifier() -> TrainedClassifier | None:
    """The classifier of the current published version (None when no catalogue is published)."""
    global _current
    from .lookup import current_version

    version = current_version()
    if version is None:
        return None
    if _current is not None and _current.version == version.number:
        return _current
    with _lock:
        if _current is None or _current.version != version.number:
            path = model_path(version)
            try:
                _current = joblib.load(path) if path.exists() else train(version)
            except Exception:  # a stale or corrupt model file: retrain rather than fail intake
                log.warning("could not load %s, retraining", path, exc_info=True)
                _current = train(version)
    return _current


def classify(text: str, k: int = 3) -> list[Suggestion]:
    classifier = current_classifier()
    if classifier is None or not text.strip():
        return []
    return classifier.suggest(text, k)
