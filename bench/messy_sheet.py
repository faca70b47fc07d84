"""A messy spreadsheet of institutions, as a Dinas Sosial keeps one: deterministic (fixed
seed). DEMONSTRATION DATA: invented institutions at real places, unreachable phones
(``+62 000 ...`` and ``0000-...``), ``example.org`` addresses.

Messiness: a title line above the header, headers as people write them, regency names
with typos and level words in every position (``Kab. Serang``, ``Serang Kab``,
``Kota Srang``, ``Cilegon``), ambiguous names (``Serang``), missing phones, phones that
lost their leading zero, bad e-mail addresses, a formula cell, rows repeating an
institution of the directory (same name in the same regency, or the same phone or
e-mail), rows repeating each other, and blank rows.

``python -m bench.messy_sheet OUT.xlsx [ROWS] [--with-duplicates-of DIRECTORY.json]``.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HEADERS = (
    "No.",
    "Nama Lembaga",
    "Jenis",
    "Alamat",
    "Desa/Kel.",
    "Kecamatan",
    "Kab/Kota",
    "Provinsi",
    "No. HP",
    "E-mail",
    "Layanan",
    "Keterangan",
)
TITLE = "DATA DEMONSTRASI - DAFTAR LEMBAGA LAYANAN KELUARGA (contoh, bukan lembaga sungguhan)"
NOTE = "Data demonstrasi: lembaga contoh di tempat nyata, bukan layanan sungguhan."
KINDS = (
    ("LK3", "LK3", "Konseling; Konsultasi; Rujukan"),
    ("Puspaga", "Puspaga", "Konseling, Edukasi pengasuhan"),
    ("UPTD PPA", "UPTD PPA", "Pendampingan; Perlindungan; Layanan psikologis"),
    ("LBH", "LBH / Posbakum", "Bantuan hukum"),
    ("Yayasan Peduli Keluarga", "LSM", "Pendampingan, Penjangkauan"),
    ("Biro Psikologi", "Psikolog", "Layanan psikologis"),
)
STREETS = ("Jl. Merdeka", "Jl. Sudirman", "Jl. Ahmad Yani", "Jl. Veteran", "Jl. Pahlawan")


@dataclass(frozen=True)
class Place:
    district: str
    regency: str
    province: str


def _regions(path: Path) -> list[Place]:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    by_code = {row["code"]: row for row in rows}
    places = []
    for row in rows:
        if row["level"] != "kecamatan":
            continue
        regency = by_code[row["parent_code"]]
        province = by_code[regency["parent_code"]]
        places.append(Place(row["name"], regency["name"], province["name"]))
    return places


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return (
        word[:i] + word[i + 1 :] if rng.random() < 0.5 else word[:i] + word[i] * 2 + word[i + 1 :]
    )


def _messy_regency(rng: random.Random, name: str) -> str:
    level, _, core = name.partition(" ")
    roll = rng.random()
    if roll < 0.25:
        return name
    if roll < 0.45:
        return f"{'Kab.' if level == 'Kabupaten' else 'Kota'} {core}"
    if roll < 0.55:
        return f"{core} {'Kab' if level == 'Kabupaten' else 'Kota'}"
    if roll < 0.75:
        return f"{'Kab' if level == 'Kabupaten' else 'Kota'} {_typo(rng, core)}"
    if roll < 0.85:
        return name.upper()
    return core  # no level word: ambiguous where a kabupaten and a kota share it


def _phone(rng: random.Random, n: int) -> str:
    roll = rng.random()
    if roll < 0.12:
        return ""  # missing
    if roll < 0.16:
        return "-"
    if roll < 0.22:
        return f"8000{n:07d}"  # lost its leading zero in the spreadsheet
    if roll < 0.24:
        return "belum tahu"  # not a number
    return f"+62 000 7{n:03d} {n % 10000:04d}"[:22]


def generate(
    rows: int, regions: Path, directory: list[dict[str, Any]] | None = None, seed: int = 20261205
) -> list[list[str]]:
    """The sheet's lines (title, blank, header, data rows), as text cells."""
    rng = random.Random(seed)
    places = _regions(regions)
    known = directory or []
    lines: list[list[str]] = [[TITLE], [], list(HEADERS)]
    made: list[list[str]] = []
    for n in range(1, rows + 1):
        roll = rng.random()
        if known and roll < 0.08:
            # An institution already in the directory, written differently.
            org = rng.choice(known)
            line = [
                str(n),
                org["name"].upper()
                if rng.random() < 0.5
                else org["name"].replace("Kabupaten", "Kab."),
                "",
                "",
                "",
                org.get("district", ""),
                _messy_regency(rng, org["regency"]) if org.get("regency") else "",
                org.get("province", ""),
                org["phone"] if rng.random() < 0.5 and org.get("phone") else "",
                org.get("email", "") if rng.random() < 0.5 else "",
                "",
                NOTE,
            ]
        elif made and roll < 0.11:
            line = [str(n), *rng.choice(made)[1:]]  # the same row again
        else:
            place = rng.choice(places)
            prefix, kind, services = rng.choice(KINDS)
            core = place.regency.partition(" ")[2]
            name = f"{prefix} {place.district} {core} {n}"
            email = f"lembaga{n}@contoh-{n % 97}.example.org"
            if rng.random() < 0.03:
                email = f"lembaga{n} di example.org"
            line = [
                str(n),
                name,
                kind if rng.random() < 0.9 else kind.lower(),
                f"{rng.choice(STREETS)} No. {rng.randint(1, 200)}",
                f"Desa {_typo(rng, place.district)}" if rng.random() < 0.3 else "",
                place.district if rng.random() < 0.8 else f"Kec. {_typo(rng, place.district)}",
                _messy_regency(rng, place.regency),
                place.province if rng.random() < 0.7 else "",
                _phone(rng, n),
                email,
                services,
                NOTE,
            ]
            if rng.random() < 0.005:
                line[1] = '=HYPERLINK("http://contoh.example.org","Klik")'
            made.append(line)
        lines.append(line)
        if rng.random() < 0.01:
            lines.append([])
    return lines


def directory_sample(path: Path, regions: Path) -> list[dict[str, Any]]:
    """Organizations of the demonstration directory (``seed/organizations.json``), with the
    names of their first location's district, regency and province."""
    by_code = {row["code"]: row for row in csv.DictReader(regions.open(encoding="utf-8"))}
    found = []
    for org in json.loads(path.read_text(encoding="utf-8")):
        code = next((loc.get("region_code") for loc in org.get("locations", [])), None)
        if not code or code not in by_code:
            continue
        parts = code.split(".")
        regency = by_code.get(".".join(parts[:2]))
        district = by_code[code] if len(parts) == 3 else None
        found.append(
            {
                "name": org["name"],
                "district": district["name"] if district else "",
                "regency": regency["name"] if regency else "",
                "province": by_code[parts[0]]["name"],
                "phone": (org.get("phones") or [{}])[0].get("number", ""),
                "email": org.get("email") or "",
            }
        )
    return found


def write_xlsx(lines: list[list[str]], path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Lembaga"
    for line in lines:
        cells: list[Any] = list(line)
        if len(cells) > 8 and cells[8].isdigit():
            cells[8] = int(cells[8])  # a phone typed as a number: the leading zero is gone
        sheet.append(cells)
    notice = book.create_sheet("Keterangan")
    notice.append([TITLE])
    notice.append([NOTE])
    book.save(path)


def main() -> int:
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    out = Path(args[0])
    rows = int(args[1]) if len(args) > 1 and args[1].isdigit() else 2000
    seed_dir = Path(__file__).resolve().parent.parent / "seed"
    regions = seed_dir / "regions.csv"
    directory = None
    if "--with-duplicates-of" in args:
        directory = directory_sample(Path(args[args.index("--with-duplicates-of") + 1]), regions)
    lines = generate(rows, regions, directory)
    if out.suffix == ".csv":
        with out.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(lines)
    else:
        write_xlsx(lines, out)
    print(f"wrote {out}: {rows} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
