"""The lexicon (``directory.search.lexicon``), pure, and the seed's lay words."""

from __future__ import annotations

import csv

import pytest

from directory.commands import LAY_WORDS_FILE, SEED_DIR
from directory.search.lay_words import LayWordsError, read_lay_words
from directory.search.lexicon import Lexicon, TermWords

TERMS = [
    TermWords("t-kdrt", "kdrt", "Kekerasan dalam rumah tangga (KDRT)", "p", "Domestic violence",
              "Kekerasan fisik, psikis, seksual atau penelantaran dalam rumah tangga.",
              ("dipukul suami", "dianiaya", "penganiayaan", "suami main tangan")),
    TermWords("t-ks", "kekerasan_seksual", "Kekerasan seksual", "p", "Sexual violence",
              "Perkosaan, pelecehan dan bentuk kekerasan seksual lainnya.",
              ("pelecehan", "perkosaan", "cabul", "rape")),
    TermWords("t-anak", "kekerasan_anak", "Kekerasan terhadap anak", "p", "Child abuse", "",
              ("anak dipukuli", "bullying", "anak dianiaya")),
    TermWords("t-cerai", "perceraian", "Perceraian dan konflik perkawinan", "p", "Divorce", "",
              ("cerai", "suami selingkuh")),
    TermWords("t-kua", "kua", "KUA", "i", "Office of Religious Affairs (KUA)", "", ("penghulu",)),
]  # fmt: skip


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon(TERMS)


def codes(lexicon: Lexicon, text: str) -> list[str]:
    return [term.code for term in lexicon.understand(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Inflected forms meet the table's words through the stemmer.
        ("dicabuli", ["kekerasan_seksual"]),
        ("diperkosa", ["kekerasan_seksual"]),
        ("saya dilecehkan", ["kekerasan_seksual"]),
        ("suami saya memukul saya", ["kdrt"]),  # "memukul" and "dipukul": one stem
        ("saya dipukuli suami", ["kdrt"]),
        ("KDRT", ["kdrt"]),  # the acronym expands to the term's name
        ("kekerasan dalam rumah tangga", ["kdrt"]),
        ("domestic violence", ["kdrt"]),
        ("RAPE", ["kekerasan_seksual"]),
        # The most specific reading wins: "anak dipukuli" is child abuse, not also KDRT.
        ("anak dianiaya", ["kekerasan_anak"]),
        ("anak saya di bullying di sekolah", ["kekerasan_anak"]),
        # Two problems at once.
        ("suami selingkuh dan main tangan", ["kdrt", "perceraian"]),
        # Typos: an unknown word is read as its nearest lexicon word.
        ("pelecehn", ["kekerasan_seksual"]),
        ("perkosan", ["kekerasan_seksual"]),
        ("mau cerai gimana caranya", ["perceraian"]),
        ("kua", ["kua"]),
        # Nothing to understand.
        ("jalan raya serang", []),
        ("", []),
        ("di ke dari", []),
    ],
)
def test_understands_the_words_people_use(lexicon, text, expected):
    assert sorted(codes(lexicon, text)) == sorted(expected)


def test_says_which_words_were_understood(lexicon):
    (found,) = lexicon.understand("tolong saya diperkosa pacar")
    assert (found.term_id, found.name, found.words) == ("t-ks", "Kekerasan seksual", ("diperkosa",))


def test_a_far_word_is_not_corrected(lexicon):
    # Neither is near enough a lexicon word ("cerah" is one letter from "cerai",
    # too much in five).
    assert codes(lexicon, "pelaku") == []
    assert codes(lexicon, "cerah") == []


def test_resembling_terms_for_a_query_that_found_nothing(lexicon):
    assert [term.code for term in lexicon.resembling("perceraiaan")] == ["perceraian"]
    # Words of the description count too ("penelantaran" stands in KDRT's).
    assert "kdrt" in [term.code for term in lexicon.resembling("penelantaran istri")]
    assert lexicon.resembling("zzzz qqqq") == []
    only_institutions = lexicon.resembling("perceraian", taxonomy_ids=("i",))
    assert only_institutions == []


def test_the_seed_has_lay_words_for_every_problem_and_service_type():
    terms = {
        row["code"]: row["taxonomy"]
        for row in __import__("json").loads((SEED_DIR / "taxonomy_terms.json").read_text())
    }
    words = read_lay_words(SEED_DIR / LAY_WORDS_FILE)
    assert set(words) <= set(terms)
    for code, taxonomy in terms.items():
        if taxonomy in ("Masalah dan situasi", "Jenis layanan"):
            assert len(words.get(code, [])) >= 3, code
    for issue in ("dipukul suami", "dicabuli", "bullying", "pelecehan", "perkosaan", "cabul"):
        assert any(issue in found for found in words.values()), issue


def test_a_malformed_lay_words_file_is_refused(tmp_path):
    path = tmp_path / "words.csv"
    path.write_text("code,word\nkdrt,dipukul\n")
    with pytest.raises(LayWordsError, match="header"):
        read_lay_words(path)
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows([["term_code", "word"], ["kdrt", ""]])
    with pytest.raises(LayWordsError, match="line 2"):
        read_lay_words(path)


def test_loading_lay_words_is_idempotent_and_follows_the_file(db, tmp_path):
    from sqlalchemy import select

    from directory.institutions.models import TaxonomyTermWord
    from directory.search.lay_words import load_lay_words, read_lexicon
    from tests.factories import TaxonomyTermFactory

    term = TaxonomyTermFactory(code="kdrt", name="Kekerasan dalam rumah tangga")
    db.session.flush()
    path = tmp_path / "lay_words.csv"
    path.write_text("term_code,word\nkdrt,dipukul suami\nkdrt,dianiaya\nnone,xyz\n")

    assert load_lay_words(db.session, path) == (2, ["none"])
    assert load_lay_words(db.session, path) == (0, ["none"])
    path.write_text("term_code,word\nkdrt,dianiaya\nkdrt,  main   tangan \n")
    assert load_lay_words(db.session, path) == (1, [])
    db.session.commit()

    stored = db.session.scalars(
        select(TaxonomyTermWord.word).where(TaxonomyTermWord.taxonomy_term_id == term.id)
    )
    assert sorted(stored) == ["dianiaya", "main tangan"]
    lexicon = read_lexicon(db.session)
    assert [found.term_id for found in lexicon.understand("suami main tangan")] == [term.id]
    term.active = False
    db.session.commit()
    assert read_lexicon(db.session).understand("suami main tangan") == []


def test_a_lexicon_read_from_the_same_rows_is_reused(db):
    from directory.institutions.models import TaxonomyTermWord
    from directory.search.lay_words import read_lexicon
    from tests.factories import TaxonomyTermFactory

    term = TaxonomyTermFactory(code="kdrt", name="Kekerasan dalam rumah tangga")
    db.session.commit()
    first = read_lexicon(db.session)
    assert read_lexicon(db.session, first) is first
    db.session.add(TaxonomyTermWord(taxonomy_term_id=term.id, word="dianiaya"))
    db.session.commit()
    second = read_lexicon(db.session, first)
    assert second is not first and second.understand("dianiaya")
