"""The classifier's direct arithmetic gives what the fitted scikit-learn pipeline gives: the same
probabilities for every held-out report (it exists only because it is eight times faster)."""

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from gridgov.matters import classifier

pytestmark = pytest.mark.django_db
HELDOUT = Path(classifier.__file__).parent / "data" / "heldout_reports.json"


def test_the_fast_path_equals_the_pipeline_on_every_held_out_report():
    trained = classifier.current_classifier()
    assert trained._lean is not None, "the default classifier takes the fast path"
    texts = [row["text"] for row in json.loads(HELDOUT.read_text(encoding="utf-8"))]
    assert len(texts) > 300

    for text in texts:
        fast = trained._probabilities(text[: classifier.MAX_TEXT])
        reference = trained.pipeline.predict_proba([text[: classifier.MAX_TEXT]])[0]
        np.testing.assert_allclose(fast, reference, rtol=0, atol=1e-9)


def test_text_with_no_known_token_still_gets_the_priors():
    trained = classifier.current_classifier()
    fast = trained._probabilities("ⓧⓧⓧ")
    reference = trained.pipeline.predict_proba(["ⓧⓧⓧ"])[0]
    np.testing.assert_allclose(fast, reference, rtol=0, atol=1e-9)


def test_a_pickled_classifier_rebuilds_its_fast_path_after_loading():
    trained = classifier.current_classifier()
    trained.suggest("路边有垃圾")  # builds the cached analyzers
    restored = pickle.loads(pickle.dumps(trained))
    assert "_lean" not in restored.__dict__
    assert restored.suggest("路边有垃圾") == trained.suggest("路边有垃圾")
