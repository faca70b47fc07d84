"""Reading the results of the ``/cari`` page as a user sees them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

from flask.testing import FlaskClient

_RESULT = re.compile(
    r'<h3><a href="/layanan/([0-9a-f-]+)">.*?</h3>\s*<p class="muted">(.*?)</p>', re.S
)
_WHY = re.compile(r'<p class="why"><span>[^<]*</span>(.*?)</p>', re.S)


@dataclass(frozen=True)
class FinderResult:
    service_id: str
    organization: str
    why: str


def finder_results(client: FlaskClient, **args: object) -> list[FinderResult]:
    """Each result of ``/cari`` with these query arguments, in the page's order."""
    response = client.get("/cari", query_string=args)
    assert response.status_code == 200
    found = []
    for block in response.get_data(as_text=True).split('<li class="finder-result">')[1:]:
        result = _RESULT.search(block)
        assert result is not None, block[:200]
        why = _WHY.search(block)
        found.append(
            FinderResult(
                service_id=result.group(1),
                organization=unescape(result.group(2)),
                why=unescape(why.group(1)) if why else "",
            )
        )
    return found
