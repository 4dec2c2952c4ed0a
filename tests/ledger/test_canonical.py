"""ledger.canonical: the hand-written entry encoder equals the generic JSON encoder, byte for byte."""

import datetime as dt
import json
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from jointfund.ledger import canonical
from jointfund.money import ISO_EXPONENTS, exponent, format_amount, from_minor

# Every code point JSON treats specially: quotes, backslashes, control characters, and beyond the BMP.
awkward_text = st.text(
    alphabet=st.one_of(
        st.sampled_from('"\\/\b\f\n\r\t\x00\x1f\x7f\u2028\u2029é€Ї😀'), st.characters(codec="utf-8")
    ),
    max_size=40,
)
currencies = st.sampled_from(sorted(ISO_EXPONENTS))
moments = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),
    max_value=dt.datetime(2100, 1, 1),
    timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=3)), None]),
)


@st.composite
def legs(draw):
    currency = draw(currencies)
    minor = draw(st.integers(min_value=-(10**17), max_value=10**17))
    return (draw(awkward_text), currency, canonical.amount_text(minor, currency, exponent(currency)))


@given(
    st.integers(min_value=1, max_value=2**62),
    st.dates(),
    moments,
    awkward_text,
    awkward_text,
    st.lists(awkward_text, max_size=4),
    st.one_of(st.none(), st.integers(min_value=1, max_value=2**62)),
    st.lists(legs(), min_size=0, max_size=6),
)
def test_fast_entry_bytes_equal_the_generic_encoding(
    seq, date, recorded_at, key, narration, links, reverses, postings
):
    fast = canonical.entry_bytes(seq, date, recorded_at, key, narration, links, reverses, postings)
    assert fast == canonical.entry_bytes_generic(
        seq, date, recorded_at, key, narration, links, reverses, postings
    )
    # It is JSON that reads back to the same values, so any JSON library can check a record.
    doc = json.loads(fast.decode("utf-8"))
    assert doc["v"] == canonical.VERSION and doc["type"] == "entry"
    assert (doc["key"], doc["narration"], doc["links"]) == (key, narration, links)
    assert [(p["account"], p["currency"], p["amount"]) for p in doc["postings"]] == [
        tuple(p) for p in postings
    ]


@given(currencies, st.integers(min_value=-(10**18), max_value=10**18))
def test_amount_text_equals_format_amount(currency, minor):
    text = canonical.amount_text(minor, currency, exponent(currency))
    assert text == format_amount(from_minor(minor, currency), currency)
    assert Decimal(text) == from_minor(minor, currency)


def test_amount_text_small_and_negative_values():
    assert canonical.amount_text(5, "USD", 2) == "0.05"
    assert canonical.amount_text(-5, "USD", 2) == "-0.05"
    assert canonical.amount_text(-100, "USD", 2) == "-1.00"
    assert canonical.amount_text(7, "KWD", 3) == "0.007"
    assert canonical.amount_text(-7, "JPY", 0) == "-7"


def test_timestamps_are_utc_with_microseconds_and_z():
    kyiv = dt.timezone(dt.timedelta(hours=3))
    assert canonical.timestamp(dt.datetime(2025, 6, 1, 12, 0, tzinfo=kyiv)) == "2025-06-01T09:00:00.000000Z"
    assert canonical.timestamp(dt.datetime(2025, 6, 1, 12, 0, 0, 7)) == "2025-06-01T12:00:00.000007Z"


def test_event_bytes_are_sorted_compact_utf8():
    body = canonical.event_bytes(
        3,
        dt.datetime(2025, 6, 1, tzinfo=dt.UTC),
        "operator",
        "key.register",
        "partner:UA",
        {"b": 1, "a": "Київ"},
    )
    assert (
        body
        == (
            '{"action":"key.register","actor":"operator","data":{"a":"Київ","b":1},'
            '"recorded_at":"2025-06-01T00:00:00.000000Z","seq":3,"subject":"partner:UA","type":"event","v":1}'
        ).encode()
    )
    assert canonical.data_json({"b": 1, "a": "Київ"}) == '{"a":"Київ","b":1}'


def test_leaf_hash_prefixes_a_zero_byte():
    import hashlib

    assert canonical.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert canonical.leaf_hash(b"x") != hashlib.sha256(b"x").digest()
