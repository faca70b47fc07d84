"""The gazetteer: every province, regency/city and district with its Kemendagri code."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from directory.extensions import Model

LEVELS = ("provinsi", "kabupaten", "kota", "kecamatan")


class Region(Model):
    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    level: Mapped[str] = mapped_column(String(16), index=True)
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("region.code"), index=True, default=None
    )
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"
