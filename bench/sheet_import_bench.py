"""Spreadsheet onboarding at 2,000 messy rows (``bench/messy_sheet.py``, fixed seed): the
demonstration directory loaded, then the sheet read, checked (places, duplicates) and
written as an admin confirming with no choices made. Prints the time of each step, the
problems reported, and checks that no organization the sheet repeats was created again.

``python -m bench.sheet_import_bench [ROWS]`` (``BENCH_SHEET_ROWS``, default 2000).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from bench.messy_sheet import directory_sample, generate, write_xlsx
from directory import create_app
from directory.commands import SEED_DIR
from directory.extensions import db
from directory.institutions.models import Organization
from directory.sheets import operations as ops
from directory.sheets.mapping import looks_like_header
from directory.sheets.reading import read_sheet

TARGET_SECONDS = 60.0


def main() -> int:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("BENCH_SHEET_ROWS", 2000))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "INSTANCE_PATH": path,
                "DEMO_MODE": True,
                "WRITER_QUEUE": os.environ.get("BENCH_WRITER_QUEUE", "1") == "1",
                "SQLALCHEMY_DATABASE_URI": os.environ.get("BENCH_DATABASE_URL")
                or f"sqlite:///{path / 'bench.sqlite'}",
            }
        )
        with app.app_context():
            db.create_all()
        result = app.test_cli_runner().invoke(args=["seed", "load", "--demo"])
        assert result.exit_code == 0, result.output
        sheet_path = path / "lembaga.xlsx"
        regions = SEED_DIR / "regions.csv"
        sample = directory_sample(SEED_DIR / "organizations.json", regions)
        write_xlsx(generate(rows, regions, sample), sheet_path)
        with app.app_context():
            from directory.auth.models import User

            admin = db.session.scalar(select(User).where(User.role == "admin"))
            assert admin is not None
            before = db.session.scalar(select(func.count(Organization.id))) or 0
            started = time.perf_counter()
            cpu_started = time.process_time()
            sheet = read_sheet(sheet_path.read_bytes(), sheet_path.name, looks_like_header)
            staged = ops.stage(admin, sheet, sheet_path.name)
            db.session.commit()
            read_at = time.perf_counter()
            ops.confirm_mapping(admin, staged, staged.mapping)
            db.session.commit()
            checked_at = time.perf_counter()
            planned = ops.counts(staged)
            ops.start(staged)
            db.session.commit()
            profile = None
            if os.environ.get("BENCH_PROFILE"):
                import cProfile

                profile = cProfile.Profile()
                profile.enable()
            while ops.write_batch(admin, staged):
                db.session.commit()
            if profile is not None:
                profile.disable()
                profile.dump_stats(os.environ["BENCH_PROFILE"])
            written_at = time.perf_counter()
            cpu = time.process_time() - cpu_started
            after = db.session.scalar(select(func.count(Organization.id))) or 0
            analysis = staged.analysis or {"rows": []}
            problems = sum(len(row["problems"]) for row in analysis["rows"])
            rows_with = sum(1 for row in analysis["rows"] if row["problems"])
            done = ops.result_counts(staged)
            repeated = [
                row for row in analysis["rows"] if row["duplicates"] and not ops.has_errors(row)
            ]
            created_again = [
                n
                for n, result in staged.results.items()
                if result["outcome"] == "created" and any(str(r["n"]) == n for r in repeated)
            ]
    total = written_at - started
    print(f"sheet import: {rows:,} rows ({len(sheet.rows):,} read), {before} organizations before")
    print(
        f"  read {read_at - started:.2f} s, checked {checked_at - read_at:.2f} s, "
        f"written {written_at - checked_at:.2f} s; total {total:.2f} s "
        f"(target < {TARGET_SECONDS:.0f} s: {'met' if total < TARGET_SECONDS else 'MISSED'}); "
        f"CPU {cpu:.2f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"  problems reported: {problems:,} on {rows_with:,} rows; planned {planned}")
    print(f"  results: {done}; organizations {before} -> {after}")
    print(f"  possible duplicates: {len(repeated)}, created without a choice: {len(created_again)}")
    ok = total < TARGET_SECONDS and not created_again and after - before == done["created"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
