"""Match keys (lineage.curation.normalise): the bulk path gives what the one-name path gives."""

from __future__ import annotations

from lineage.curation.normalise import keys_of, name_key, programme_key

MIXED = [
    "National Wheat Engineering Technology Research Centre",
    "国家小麦工程技术研究中心",
    "國家小麥工程技術研究中心",  # traditional script
    "ＮＡＴＩＯＮＡＬ  Ｗｈｅａｔ　Engineering Laboratory",  # full width, ideographic space
    "国家精细化工技术创新中心（第１号）",  # full-width brackets and digits
    "snake_case_name",
    "ﬁbre lab",  # a ligature NFKC unfolds
    "",
    "ASCII only, punctuation: yes!",
    "国家 工程 实验室",
]


def test_keys_of_many_names_equals_the_keys_of_each():
    assert keys_of(MIXED) == [(name_key(n), programme_key(n)) for n in MIXED]


def test_ascii_and_non_ascii_names_keep_their_order():
    names = ["Ａ", "b", "Ｃ", "d"] * 3
    assert [k for k, _ in keys_of(names)] == ["a", "b", "c", "d"] * 3


def test_underscores_and_punctuation_are_dropped_from_the_key():
    assert keys_of(["a_b-c"])[0][0] == "abc"
