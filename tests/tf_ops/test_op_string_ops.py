"""String ops and TfIdfVectorizer against onnx's ReferenceEvaluator (the spec's implementation: onnxruntime's
StringSplit trims remainders unlike Python's str.split, and its StringNormalizer needs a locale this machine
lacks) or onnxruntime; ints use a None batch."""
import numpy as np
import pytest
from onnx.reference import ReferenceEvaluator

from tests.tf_ops._tensor_case import assert_matches_onnxruntime, run_translated, single_node_model

WORDS = np.array([["Monday", "tuesday"], ["it's", "THE day"]], dtype=object)


def _strings_equal(model, inputs):
    expected = ReferenceEvaluator(model).run(None, inputs)
    actual = run_translated(model, inputs)
    for got, want in zip(actual, expected):
        got = np.vectorize(lambda b: b.decode() if isinstance(b, bytes) else b, otypes=[object])(got)
        want = np.asarray(want)
        assert got.shape == want.shape
        assert got.tolist() == want.tolist()


def test_string_concat_broadcasts():
    model = single_node_model("StringConcat", {"a": WORDS}, ["y"], 20, {"b": np.array(["!"], dtype=object)})
    _strings_equal(model, {"a": WORDS})


@pytest.mark.parametrize("delimiter,maxsplit", [(None, None), (None, 1), ("a", None), ("y", 1)])
def test_string_split(delimiter, maxsplit):
    attrs = {k: v for k, v in (("delimiter", delimiter), ("maxsplit", maxsplit)) if v is not None}
    data = np.array([["a b  c", " day  a "], ["ya ya", ""]], dtype=object)
    model = single_node_model("StringSplit", {"x": data}, ["y", "n"], 20, **attrs)
    _strings_equal(model, {"x": data})


@pytest.mark.parametrize("case_action,sensitive", [("LOWER", 0), ("UPPER", 1), ("NONE", 0), ("NONE", 1)])
def test_string_normalizer_follows_the_spec(case_action, sensitive):
    """Expected values from the spec's wording in plain Python: onnx's reference compares stopwords exactly
    when case_change_action is NONE even if is_case_sensitive=0, and onnxruntime needs a locale here."""
    data = np.array(["Monday", "tuesday", "monday", "The"], dtype=object)
    stopwords = ["monday", "the"]
    model = single_node_model("StringNormalizer", {"x": data}, ["y"], 10, case_change_action=case_action,
                              is_case_sensitive=sensitive, stopwords=stopwords)
    fold = (lambda w: w) if sensitive else str.lower
    kept = [w for w in data if fold(w) not in {fold(s) for s in stopwords}]
    change = {"LOWER": str.lower, "UPPER": str.upper, "NONE": lambda w: w}[case_action]
    (actual,) = run_translated(model, {"x": data})
    assert [b.decode() for b in actual] == [change(w) for w in kept]


def test_regex_full_match():
    data = np.array(["abc@x.org", "nope", "a@b.com"], dtype=object)
    model = single_node_model("RegexFullMatch", {"x": data}, ["y"], 20, pattern=r"[a-z]+@[a-z.]+\.(org|com)")
    assert_matches_onnxruntime(model, {"x": data})


@pytest.mark.parametrize("mode", ["TF", "IDF", "TFIDF"])
def test_tf_idf_vectorizer_with_dynamic_batch(mode):
    tokens = np.array([[1, 2, 3, 2, 3, 5], [5, 2, 3, 1, 2, 3]], np.int32)
    model = single_node_model("TfIdfVectorizer", {"x": tokens}, ["y"], 9, mode=mode, min_gram_length=1,
                              max_gram_length=2, max_skip_count=2, ngram_counts=[0, 3],
                              ngram_indexes=[0, 1, 2, 3, 4], pool_int64s=[2, 3, 5, 2, 3, 1, 2],
                              weights=[0.5, 1.0, 2.0, 1.5, 0.25])
    assert_matches_onnxruntime(model, {"x": tokens})


def test_unique_sorts_strings_by_code_point():
    data = np.array(["b", "a", "ab", "c", "a", "é", "", "b"], dtype=object)
    model = single_node_model("Unique", {"x": data}, ["y", "first", "inverse", "counts"], 11)
    expected = ReferenceEvaluator(model).run(None, {"x": data})
    actual = run_translated(model, {"x": data})
    assert [b.decode() for b in actual[0]] == list(expected[0])
    for got, want in zip(actual[1:], expected[1:]):
        np.testing.assert_array_equal(got, want)


def test_tf_idf_vectorizer_string_pool():
    tokens = np.array([["a", "b", "c", "b", "c"], ["c", "a", "b", "x", "b"]], dtype=object)
    model = single_node_model("TfIdfVectorizer", {"x": tokens}, ["y"], 9, mode="TF", min_gram_length=1,
                              max_gram_length=2, max_skip_count=1, ngram_counts=[0, 2],
                              ngram_indexes=[0, 1, 2, 3], pool_strings=["b", "c", "a", "b", "b", "c"])
    expected = ReferenceEvaluator(model).run(None, {"x": tokens})
    (actual,) = run_translated(model, {"x": tokens})
    np.testing.assert_array_equal(actual, expected[0])
