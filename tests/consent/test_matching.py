"""The pure matcher, table-driven: every permission against each purpose flag and every
modifier, each row citing the DUOS test (DataBiosphere/consent-ontology) or the DUO
definition it follows. Then hypothesis properties. No database."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consent.matching import (
    MODIFIERS,
    PERMISSIONS,
    DataUse,
    MemoryOntology,
    Modifier,
    ParseError,
    Purpose,
    evaluate,
    parse_data_use,
    parse_purpose,
)

# A slice of DOID: cancer > organ system cancer > thoracic cancer > breast cancer >
# breast carcinoma; intestinal cancer below gastrointestinal system cancer; diabetes apart.
ANCESTORS = {
    "DOID:4": set(),
    "DOID:14566": {"DOID:4"},
    "DOID:162": {"DOID:14566", "DOID:4"},
    "DOID:0050686": {"DOID:162", "DOID:14566", "DOID:4"},
    "DOID:5093": {"DOID:0050686", "DOID:162", "DOID:14566", "DOID:4"},
    "DOID:1612": {"DOID:5093", "DOID:0050686", "DOID:162", "DOID:14566", "DOID:4"},
    "DOID:3459": {"DOID:1612", "DOID:5093", "DOID:0050686", "DOID:162", "DOID:14566", "DOID:4"},
    "DOID:3119": {"DOID:0050686", "DOID:162", "DOID:14566", "DOID:4"},
    "DOID:10155": {"DOID:3119", "DOID:0050686", "DOID:162", "DOID:14566", "DOID:4"},
    "DOID:9351": {"DOID:4"},
}
ONTOLOGY = MemoryOntology(
    ancestors={k: frozenset(v) for k, v in ANCESTORS.items()},
    labels={"DOID:162": "cancer", "DOID:1612": "breast cancer", "DOID:9351": "diabetes"},
    replaced_by={"DOID:1648": "DOID:1612"},
    refused={"DOID:0050001": "DOID:0050001 is obsolete and has no replacement."},
)

C, I, R = "compatible", "incompatible", "needs_review"  # noqa: E741


def use(permission: str, *modifiers: str, diseases: tuple[str, ...] = ()) -> DataUse:
    if permission == "DS" and not diseases:
        diseases = ("DOID:162",)
    return DataUse(permission, diseases, tuple(Modifier(m) for m in modifiers))


def purpose(**flags: Any) -> Purpose:
    diseases = tuple(flags.pop("diseases", ()))
    return Purpose(diseases=diseases, **flags)


def result(data_use: DataUse, p: Purpose) -> str:
    return evaluate(data_use, p, ONTOLOGY).result


GENERAL = purpose()
HMB = purpose(hmb=True)
BREAST = purpose(diseases=["DOID:1612"])
DIABETES = purpose(diseases=["DOID:9351"])
POA = purpose(population_origins=True)
MDS = purpose(methods_development=True)
CONTROLS = purpose(hmb=True, controls=True)

# (data use, purpose, expected, source)
PERMISSION_ROWS = [
    # NRES: "no restriction on use" (DUO:0000004).
    (use("NRES"), GENERAL, C, "DUO:0000004 definition"),
    (use("NRES"), HMB, C, "DUO:0000004 definition"),
    (use("NRES"), BREAST, C, "DUO:0000004 definition"),
    (use("NRES"), POA, C, "DUO:0000004 definition"),
    (use("NRES"), MDS, C, "DUO:0000004 definition"),
    (use("NRES"), CONTROLS, C, "DUO:0000004 definition"),
    # GRU
    (use("GRU"), GENERAL, C, "DUO:0000042 'any research purpose'"),
    (use("GRU"), HMB, C, "DUOS V4 testHMB_positive_case_1"),
    (use("GRU"), BREAST, C, "DUOS V4 matchDiseases DS_APPROVE_GRU"),
    (use("GRU"), POA, C, "DUOS V4 testPOA_positive_case_1"),
    (use("GRU"), MDS, C, "DUOS V4 testMDS_positive_case_1"),
    (use("GRU"), CONTROLS, C, "DUO:0000042 'any research purpose' (DUOS abstains)"),
    # HMB
    (use("HMB"), GENERAL, I, "DUOS V4 testHMB_negative_case_1"),
    (use("HMB"), HMB, C, "DUOS V4 testHMB_positive_case_2"),
    (use("HMB"), BREAST, C, "DUOS V4 matchDiseases DS_APPROVE_HMB"),
    (use("HMB"), POA, I, "DUOS V4 testPOA_negative_case_1; DUO:0000006 excludes POA"),
    (use("HMB"), MDS, C, "DUOS V4 testMDS_positive_case_4"),
    (use("HMB"), CONTROLS, R, "DUOS V4 testAbstainDecision_controls"),
    # DS (cancer)
    (use("DS"), GENERAL, I, "DUO:0000007 'related to the specified disease'"),
    (use("DS"), HMB, I, "DUOS V4 testHMB_negative_case_2"),
    (use("DS"), BREAST, C, "DUOS V4 testDiseaseMatching_positive (descendant)"),
    (use("DS"), purpose(diseases=["DOID:162"]), C, "DUOS V4 matchDiseases (same term)"),
    (use("DS"), purpose(diseases=["DOID:3459"]), C, "DUOS V4 matchDiseases (grandchild)"),
    (use("DS"), DIABETES, I, "DUOS V4 matchDiseases DS_F2"),
    (use("DS"), purpose(diseases=["DOID:1612", "DOID:9351"]), I, "DUOS V4 DS_F2: all must match"),
    (use("DS", diseases=("DOID:10155",)), purpose(diseases=["DOID:162"]), I,
     "DUOS V4 testDiseaseMatching_negative (ancestor is not covered)"),
    (use("DS", diseases=("DOID:9351", "DOID:162")), BREAST, C, "DUOS V4 anyMatch over dataset"),
    (use("DS"), purpose(diseases=["DOID:1612"], hmb=True), C, "docs/api.md: diseases decide"),
    (use("DS"), POA, I, "DUOS V4 testPOA_negative_case_2"),
    (use("DS"), MDS, C, "DUOS V4 testMDS_positive_case_3"),
    (use("DS"), purpose(diseases=["DOID:1612"], controls=True), R,
     "DUOS V4 testAbstainDecision_controls"),
    # POA
    (use("POA"), POA, C, "DUOS V4 testPOA_positive_case_2"),
    (use("POA"), HMB, I, "DUOS V4 testHMB_negative_case_3"),
    (use("POA"), BREAST, I, "DUO:0000011 'limited to the study of population origins'"),
    (use("POA"), GENERAL, I, "DUO:0000011 'limited to the study of population origins'"),
    (use("POA"), MDS, C, "DUOS V4 testMDS_positive_case_2"),
    (use("POA"), purpose(population_origins=True, diseases=["DOID:1612"]), R,
     "decided: DUO:0000011 vs disease research, a person judges"),
    (use("POA"), purpose(population_origins=True, controls=True), R,
     "DUOS V4 testAbstainDecision_controls"),
]  # fmt: skip

MODIFIER_ROWS = [
    # NCU vs commercial
    (use("GRU", "NCU"), purpose(commercial=True), I, "DUO:0000046 non-commercial use only"),
    (use("GRU", "NCU"), purpose(commercial=False), C, "DUO:0000046 non-commercial use only"),
    (use("GRU", "NCU"), purpose(for_profit=True), C, "DUO:0000046 restricts the use only"),
    # NPU vs for-profit
    (use("GRU", "NPU"), purpose(for_profit=True), I, "DUOS V4 testNPU_negative_case_1"),
    (use("GRU", "NPU"), purpose(for_profit=False), C, "DUOS V4 testNPU_positive_case_1"),
    (use("GRU"), purpose(for_profit=True), C, "DUOS V4 testNPU_positive_case_3"),
    (use("GRU", "NPUNCU"), purpose(for_profit=True), I, "DUO:0000018 definition"),
    (use("GRU", "NPUNCU"), purpose(commercial=True), I, "DUO:0000018 definition"),
    (use("GRU", "NPUNCU"), GENERAL, C, "DUO:0000018 definition"),
    # NPOA
    (use("GRU", "NPOA"), POA, I, "DUO:0000044 definition"),
    (use("GRU", "NPOA"), HMB, C, "DUO:0000044 definition"),
    # NMDS vs methods development
    (use("GRU", "NMDS"), MDS, I, "DUOS DataUseMatcherTest testNMDS_negative_case_1"),
    (use("GRU"), MDS, C, "DUOS DataUseMatcherTest testNMDS_positive_case_1"),
    (use("DS", "NMDS"), purpose(methods_development=True, diseases=["DOID:1612"]), C,
     "DUOS DataUseMatcherTest matchNMDS: methods within the disease"),
    (use("DS", "NMDS"), MDS, I, "DUO:0000015 no general methods research"),
    (use("HMB", "NMDS"), HMB, C, "DUO:0000015 restricts methods research only"),
    # GSO vs non-genetic studies
    (use("GRU", "GSO"), purpose(genetic_studies=False), I, "DUO:0000016 genetic studies only"),
    (use("GRU", "GSO"), purpose(genetic_studies=True), C, "DUO:0000016 genetic studies only"),
    # Human-judged restrictions
    (use("GRU", "GS"), GENERAL, R, "DUO:0000022 geographical restriction: a person checks"),
    (use("GRU", "US"), GENERAL, R, "DUO:0000026 user specific restriction"),
    (use("GRU", "PS"), GENERAL, R, "DUO:0000027 project specific restriction"),
    (use("GRU", "IS"), GENERAL, R, "DUO:0000028 institution specific restriction"),
    (use("GRU", "RS"), GENERAL, R, "DUO:0000012 research specific restrictions"),
    (use("HMB", "GS"), GENERAL, I, "deny beats review"),
    # Conditions never change the result
    (use("GRU", "IRB"), GENERAL, C, "DUO:0000021 ethics approval required (condition)"),
    (use("GRU", "PUB"), GENERAL, C, "DUO:0000019 publication required (condition)"),
    (use("GRU", "COL"), GENERAL, C, "DUO:0000020 collaboration required (condition)"),
    (use("GRU", "MOR"), GENERAL, C, "DUO:0000024 publication moratorium (condition)"),
    (use("GRU", "RTN"), GENERAL, C, "DUO:0000029 return to resource (condition)"),
    (use("GRU", "TS"), GENERAL, C, "DUO:0000025 time limit (condition)"),
    (use("GRU", "CC"), GENERAL, C, "DUO:0000043 clinical care use widens use"),
]  # fmt: skip


ALL_ROWS = PERMISSION_ROWS + MODIFIER_ROWS


@pytest.mark.parametrize(
    ("data_use", "the_purpose", "expected", "source"),
    ALL_ROWS,
    ids=[f"{r[0].permission}+{','.join(sorted(r[0].codes)) or '-'}:{r[3]}" for r in ALL_ROWS],
)
def test_each_rule_follows_its_source(
    data_use: DataUse, the_purpose: Purpose, expected: str, source: str
) -> None:
    evaluation = evaluate(data_use, the_purpose, ONTOLOGY)
    assert evaluation.result == expected, (source, evaluation.reasons)
    assert evaluation.reasons, "every answer says why"
    # Each reason keeps its English message and parameters too, to be read in any language.
    assert all(
        set(r) == {"code", "message", "msgid", "params"} and r["message"]
        for r in evaluation.reasons
    )


@pytest.mark.parametrize("code", ["IRB", "PUB", "COL", "MOR", "RTN", "TS"])
def test_conditions_are_listed_whatever_the_result(code: str) -> None:
    assert evaluate(use("GRU", code), GENERAL, ONTOLOGY).conditions == [code]
    incompatible = evaluate(use("HMB", code), GENERAL, ONTOLOGY)
    assert incompatible.result == I
    assert incompatible.conditions == [code]


def test_a_disease_mismatch_names_the_disease_and_the_consented_one() -> None:
    evaluation = evaluate(use("DS"), DIABETES, ONTOLOGY)
    assert evaluation.reasons[0]["code"] == "DS_DISEASE"
    assert "DOID:9351" in evaluation.reasons[0]["message"]
    assert "cancer (DOID:162)" in evaluation.reasons[0]["message"]


def test_a_geographic_restriction_names_its_region() -> None:
    data_use = DataUse("GRU", (), (Modifier("GS", {"region": "Africa"}),))
    assert "Africa" in evaluate(data_use, GENERAL, ONTOLOGY).reasons[0]["message"]


def test_a_replaced_disease_id_is_mentioned_in_the_reasons() -> None:
    parsed = parse_purpose({"diseases": ["DOID:1648"]}, ONTOLOGY)
    evaluation = evaluate(use("DS"), parsed, ONTOLOGY)
    assert evaluation.result == C
    assert "DISEASE_REPLACED" in [r["code"] for r in evaluation.reasons]


def test_parsing_refuses_unknown_codes_and_names_each() -> None:
    with pytest.raises(ParseError) as caught:
        parse_data_use({"permission": "XYZ", "modifiers": ["NCU", "FOO", "DUO:9999999"]}, ONTOLOGY)
    text = str(caught.value)
    assert "XYZ" in text and "FOO" in text and "DUO:9999999" in text


def test_parsing_refuses_obsolete_duo_codes_with_advice() -> None:
    with pytest.raises(ParseError) as caught:
        parse_data_use({"permission": "GRU-CC"}, ONTOLOGY)
    assert "GRU + CC" in str(caught.value)


def test_parsing_refuses_an_obsolete_disease_without_replacement() -> None:
    with pytest.raises(ParseError) as caught:
        parse_purpose({"diseases": ["DOID:0050001"]}, ONTOLOGY)
    assert "DOID:0050001" in str(caught.value)


def test_ds_needs_diseases_and_only_ds_takes_them() -> None:
    with pytest.raises(ParseError):
        parse_data_use({"permission": "DS"}, ONTOLOGY)
    with pytest.raises(ParseError):
        parse_data_use({"permission": "GRU", "diseases": ["DOID:162"]}, ONTOLOGY)


def test_modifier_parameters_are_validated() -> None:
    parsed = parse_data_use(
        {
            "permission": "GRU",
            "modifiers": [
                {"code": "GS", "region": "Europe"},
                {"code": "MOR", "date": "2027-01-31"},
                {"code": "TS", "months": "12"},
                {"code": "COL", "names": "Dr A, Dr B"},
            ],
        },
        ONTOLOGY,
    )
    assert [m.as_dict() for m in parsed.modifiers] == [
        {"code": "GS", "region": "Europe"},
        {"code": "MOR", "date": "2027-01-31"},
        {"code": "TS", "months": 12},
        {"code": "COL", "names": ["Dr A", "Dr B"]},
    ]
    with pytest.raises(ParseError) as caught:
        parse_data_use(
            {
                "permission": "GRU",
                "modifiers": [
                    {"code": "MOR", "date": "soon"},
                    {"code": "TS", "months": -1},
                    {"code": "NCU", "region": "x"},
                ],
            },
            ONTOLOGY,
        )
    assert len(caught.value.errors["modifiers"]) == 3


# ------------------------------------------------------------------ properties

ORDER = {I: 0, R: 1, C: 2}
DISEASES = sorted(ANCESTORS)
purposes = st.builds(
    Purpose,
    diseases=st.lists(st.sampled_from(DISEASES), max_size=3, unique=True).map(tuple),
    hmb=st.booleans(),
    population_origins=st.booleans(),
    methods_development=st.booleans(),
    controls=st.booleans(),
    commercial=st.booleans(),
    for_profit=st.booleans(),
    genetic_studies=st.booleans(),
)
modifier_sets = st.lists(st.sampled_from(sorted(MODIFIERS)), max_size=5, unique=True)
ds_diseases = st.lists(st.sampled_from(DISEASES), min_size=1, max_size=2, unique=True).map(tuple)


def _with(permission: str, codes: list[str], diseases: tuple[str, ...] = ()) -> DataUse:
    return DataUse(permission, diseases, tuple(Modifier(c) for c in codes))


@settings(max_examples=300, deadline=None)
@given(purposes, modifier_sets, ds_diseases)
def test_gru_is_never_less_permissive_than_hmb_nor_hmb_than_ds(
    p: Purpose, codes: list[str], diseases: tuple[str, ...]
) -> None:
    gru = result(_with("GRU", codes), p)
    hmb = result(_with("HMB", codes), p)
    ds = result(_with("DS", codes, diseases), p)
    assert ORDER[gru] >= ORDER[hmb] >= ORDER[ds]
    assert ORDER[result(_with("NRES", codes), p)] >= ORDER[gru]


@settings(max_examples=300, deadline=None)
@given(
    purposes,
    st.sampled_from(sorted(PERMISSIONS)),
    modifier_sets,
    st.sampled_from(sorted(MODIFIERS)),
    ds_diseases,
)
def test_adding_a_modifier_never_makes_an_answer_more_permissive(
    p: Purpose, permission: str, codes: list[str], extra: str, diseases: tuple[str, ...]
) -> None:
    diseases = diseases if permission == "DS" else ()
    before = result(_with(permission, codes, diseases), p)
    after = result(_with(permission, [*codes, extra] if extra not in codes else codes, diseases), p)
    assert ORDER[after] <= ORDER[before]
    if before == I:
        assert after == I


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(PERMISSIONS)),
    modifier_sets,
    ds_diseases,
    purposes,
    st.lists(st.booleans(), min_size=7, max_size=7),
)
def test_codes_and_curies_give_identical_answers(
    permission: str, codes: list[str], diseases: tuple[str, ...], p: Purpose, as_curie: list[bool]
) -> None:
    diseases = diseases if permission == "DS" else ()
    by_code = {"permission": permission, "diseases": list(diseases), "modifiers": codes}
    by_curie = {
        "permission": PERMISSIONS[permission] if as_curie[0] else permission.lower(),
        "diseases": list(diseases),
        "modifiers": [
            MODIFIERS[c] if as_curie[(i % 6) + 1] else c.lower() for i, c in enumerate(codes)
        ],
    }
    a = evaluate(parse_data_use(by_code, ONTOLOGY), p, ONTOLOGY)
    b = evaluate(parse_data_use(by_curie, ONTOLOGY), p, ONTOLOGY)
    assert a.as_dict() == b.as_dict()


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=12),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
        ),
        max_leaves=12,
    )
)
def test_parsing_any_json_either_succeeds_or_raises_a_parse_error(raw: Any) -> None:
    for parse in (parse_purpose, parse_data_use):
        with contextlib.suppress(ParseError):
            parse(raw, ONTOLOGY)


def test_every_deny_code_is_listed_in_deny_codes() -> None:
    from consent.matching import DENY_CODES

    seen: set[str] = set()
    for data_use, the_purpose, expected, _source in ALL_ROWS:
        evaluation = evaluate(data_use, the_purpose, ONTOLOGY)
        if expected == I:
            codes = {r["code"] for r in evaluation.reasons}
            assert codes & DENY_CODES, (data_use, the_purpose)
            seen |= codes & DENY_CODES
    assert seen == DENY_CODES  # every deny rule has a row citing its source


def test_messages_follow_the_active_language_whatever_was_translated_before():
    from django.utils import translation

    data_use = use("HMB", "NCU")
    p = purpose(commercial=True, controls=True)
    with translation.override("fr"):
        french = [r["message"] for r in evaluate(data_use, p, ONTOLOGY).reasons]
    english = [r["message"] for r in evaluate(data_use, p, ONTOLOGY).reasons]
    with translation.override("fr"):
        again = [r["message"] for r in evaluate(data_use, p, ONTOLOGY).reasons]
        assert french == again
        assert any(f != e for f, e in zip(french, english, strict=True))
    assert english == [r["message"] for r in evaluate(data_use, p, ONTOLOGY).reasons]
