"""Predictions files: every way a file can be wrong gets an error that names the problem."""

import numpy as np
import pytest

from astrobench.catalog.errors import InvalidParameter, InvalidPredictions
from astrobench.catalog.predictions import Truth, parse, to_csv

CLASSES = ("Ia", "II", "Ibc")
TRUTH = Truth(
    split="test",
    ids=np.array(["a", "b", "c", "d"]),
    values=np.array(["Ia", "II", "Ibc", "Ia"], dtype=object),
    classes=CLASSES,
)
REGRESSION = Truth(split="test", ids=np.array(["a", "b"]), values=np.array([0.1, 0.2]))


def problems(text: str, truth: Truth = TRUTH) -> str:
    with pytest.raises(InvalidPredictions) as caught:
        parse(text, truth)
    assert isinstance(caught.value, InvalidParameter)  # a 400 over HTTP
    assert caught.value.problems
    return str(caught.value)


def test_a_valid_file_in_any_order_is_aligned_with_the_truth() -> None:
    parsed = parse("id,label\nd,Ia\nc,Ibc\nb,II\na,II\n", TRUTH)
    assert parsed.values.tolist() == ["II", "II", "Ibc", "Ia"]
    assert parsed.scores is None


def test_scores_are_aligned_and_round_trip_through_to_csv() -> None:
    scores = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.5, 0.4, 0.1]])
    text = to_csv(["a", "b", "c", "d"], ["Ia", "II", "Ibc", "Ia"], scores, CLASSES)
    assert text.splitlines()[0] == "id,label,p_Ia,p_II,p_Ibc"
    reversed_text = "\n".join([text.splitlines()[0], *reversed(text.splitlines()[1:])])
    parsed = parse("\ufeff" + reversed_text, TRUTH)  # a byte-order mark is tolerated
    assert parsed.scores is not None
    np.testing.assert_allclose(parsed.scores, scores)


def test_missing_ids_are_counted_and_named() -> None:
    message = problems("id,label\na,Ia\nb,II\n")
    assert "2 of the split's 4 ids have no prediction: 'c', 'd'" in message


def test_duplicate_ids() -> None:
    message = problems("id,label\na,Ia\na,II\nb,II\nc,Ibc\nd,Ia\n")
    assert "1 duplicate id(s): 'a'" in message


def test_ids_from_another_split() -> None:
    message = problems("id,label\na,Ia\nb,II\nc,Ibc\nd,Ia\nzz,Ia\n")
    assert "1 id(s) are not in split 'test': 'zz'" in message


def test_unknown_classes_list_the_valid_labels() -> None:
    message = problems("id,label\na,Ia\nb,SLSN\nc,SLSN\nd,ia\n")
    assert "'SLSN' (2 rows)" in message and "'ia' (1 rows)" in message
    assert "valid labels: II, Ia, Ibc" in message


def test_the_unknown_label_is_valid_only_where_the_split_allows_it() -> None:
    text = "id,label\na,unknown\nb,II\nc,Ibc\nd,Ia\n"
    assert "unknown class label(s) 'unknown'" in problems(text)
    open_set = Truth(TRUTH.split, TRUTH.ids, TRUTH.values, CLASSES, unknown_label="unknown")
    assert parse(text, open_set).values[0] == "unknown"


def test_nan_and_non_numeric_scores() -> None:
    header = "id,label,p_Ia,p_II,p_Ibc\n"
    body = "a,Ia,0.9,0.1,0\nb,II,nan,0.9,0.1\nc,Ibc,0,0,x\nd,Ia,1,0,0\n"
    message = problems(header + body)
    assert "scores are missing, NaN or not numbers for id(s) 'b', 'c'" in message


def test_nan_regression_predictions() -> None:
    message = problems("id,prediction\na,0.1\nb,NaN\n", REGRESSION)
    assert "prediction is missing, NaN or not a number for id(s) 'b'" in message
    assert parse("id,prediction\nb,0.25\na,0.1\n", REGRESSION).values.tolist() == [0.1, 0.25]


def test_wrong_shape_rows() -> None:
    message = problems("id,label\na,Ia\nb,II,extra\nc\nd,Ia\n")
    assert "wrong shape: line(s) '3', '4' do not have 2 fields like the header" in message


def test_scores_for_only_some_classes() -> None:
    message = problems("id,label,p_Ia\na,Ia,1\nb,II,0\nc,Ibc,0\nd,Ia,1\n")
    assert "scores are given for 1 of 3 classes" in message and "'p_II', 'p_Ibc'" in message


def test_missing_and_unknown_columns_say_which_columns_are_expected() -> None:
    message = problems("id,class\na,Ia\n")
    assert "missing column(s) 'label'" in message and "unknown column(s) 'class'" in message
    assert "the columns must be id, label and optionally p_Ia, p_II, p_Ibc" in message
    assert "missing column(s) 'prediction'" in problems("id,label\na,1\n", REGRESSION)


def test_an_empty_file() -> None:
    assert "the file is empty" in problems("")
    assert "2 of the split's 2 ids have no prediction" in problems("id,prediction\n", REGRESSION)
