"""The Indonesian analyzer: stemming, acronyms, stop words, hostile text."""

import pytest

from directory.search.analyzer import analyze, clean_query, query_words


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("kekerasan", "keras"),
        ("perceraian", "bercerai"),
        ("pendampingan", "mendampingi"),
        ("perlindungan", "dilindungi"),
        ("pengasuhan", "mengasuh"),
    ],
)
def test_inflected_words_meet_on_one_stem(one, other):
    assert analyze(one) == analyze(other)
    assert len(analyze(one)) == 1


@pytest.mark.parametrize(
    ("acronym", "words"),
    [
        ("KDRT", "kekerasan dalam rumah tangga"),
        ("ABH", "anak berhadapan dengan hukum"),
        ("ODGJ", "orang dengan gangguan jiwa"),
        ("TPPO", "tindak pidana perdagangan orang"),
        ("LBH", "lembaga bantuan hukum"),
        ("KUA", "kantor urusan agama"),
        ("RSUD", "rumah sakit umum daerah"),
        ("Puskesmas", "pusat kesehatan masyarakat"),
        ("P2TP2A", "UPTD PPA"),
        ("narkoba", "NAPZA"),
    ],
)
def test_acronyms_stand_for_their_words(acronym, words):
    assert analyze(acronym) == analyze(words)


def test_stop_words_are_dropped_but_names_stay():
    assert analyze("layanan bagi anak di kota") == analyze("layanan anak kota")
    assert analyze("LK3") == analyze("lembaga konsultasi kesejahteraan keluarga")


def test_query_words_keep_the_typed_form_and_mark_the_last_as_partial():
    words = query_words("bantuan huk")
    assert [word.text for word in words] == ["bantuan", "huk"]
    assert [word.partial for word in words] == [False, True]
    assert not query_words("bantuan hukum ")[-1].partial


@pytest.mark.parametrize(
    "hostile",
    ["AND OR NOT (", '"kdrt', "x" * 5000, "\x00\x07\x1b[31m", "😀🙏", "*", "~2", "(((", "kd*rt~"],
)
def test_hostile_text_is_only_words(hostile):
    words = query_words(hostile)
    for word in words:
        assert word.text.isalnum()
        assert len(word.text) <= 40
    assert len(clean_query(hostile)) <= 200
