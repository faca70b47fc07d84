"""The bounded memo of pure look-ups (``directory.memo``)."""

from collections.abc import Callable

from directory.memo import remembered


def test_an_answer_is_computed_once_and_the_store_starts_again_when_full():
    computed: list[str] = []

    def answer(key: str) -> Callable[[], str]:
        def compute() -> str:
            computed.append(key)
            return key.upper()

        return compute

    store: dict[str, str] = {}
    assert remembered(store, "a", answer("a"), limit=2) == "A"
    assert remembered(store, "a", answer("a"), limit=2) == "A"
    assert remembered(store, "b", answer("b"), limit=2) == "B"
    assert computed == ["a", "b"]
    assert remembered(store, "c", answer("c"), limit=2) == "C"  # full: starts again
    assert store == {"c": "C"}
    assert remembered(store, "a", answer("a"), limit=2) == "A"
    assert computed == ["a", "b", "c", "a"]
