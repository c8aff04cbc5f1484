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
from pathlib import Path

import jieba
import joblib
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
        # The same as pipeline.predict_proba, without FeatureUnion's joblib dispatch, which costs
        # more than the transforms themselves for a single short text.
        transformers = self.pipeline.named_steps["features"].transformer_list
        features = scipy.sparse.hstack([t.transform([text[:MAX_TEXT]]) for _, t in transformers]).tocsr()
        probabilities = self.pipeline.named_steps["model"].predict_proba(features)[0]
        classes = self.pipeline.classes_
        best = probabilities.argsort()[::-1][:k]
        return [
            Suggestion(classes[i], self.names[classes[i]], round(float(probabilities[i]), 4)) for i in best
        ]


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
