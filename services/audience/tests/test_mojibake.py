import json

import pytest

from services.audience.importing.mojibake import repair_mojibake, repair_tree


@pytest.mark.parametrize(
    ("escaped_json", "expected"),
    [
        ('"Sm\\u00c3\\u00b8rrebr\\u00c3\\u00b8d"', "Smørrebrød"),
        (
            '"\\u00c3\\u0086blegr\\u00c3\\u00b8d p\\u00c3\\u00a5 \\u00c3\\u0085rhus"',
            "Æblegrød på Århus",
        ),
        ('"Flot sofa \\u00f0\\u009f\\u0098\\u008d"', "Flot sofa 😍"),
        ('"\\u00e2\\u0082\\u00ac 1.299"', "€ 1.299"),
    ],
)
def test_byte_escaped_text_is_restored(escaped_json: str, expected: str) -> None:
    assert repair_mojibake(json.loads(escaped_json)) == expected


@pytest.mark.parametrize(
    "correct",
    ["Smørrebrød", "Æblegrød på Århus", "Flot sofa 😍", "plain ascii", "", "Café Ã la carte"],
)
def test_correct_text_is_left_alone(correct: str) -> None:
    assert repair_mojibake(correct) == correct


def test_repair_tree_repairs_keys_and_nested_values() -> None:
    document = json.loads('{"K\\u00c3\\u00b8b": ["h\\u00c3\\u00a6k", {"n": 3}]}')

    assert repair_tree(document) == {"Køb": ["hæk", {"n": 3}]}
