"""Extensions, created unbound and initialised in :func:`directory.create_app`."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Session

if TYPE_CHECKING:
    from sqlalchemy.util import ScopedRegistry

# Named constraints, so that migrations can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


if TYPE_CHECKING:
    # What the type checker is told of ``db``, which Flask-SQLAlchemy builds at run time:
    # ``db.session`` is a scoped session, which hands every call to the request's Session;
    # ``Model`` is ``db.Model``, the models' base (a subclass of Base) under a name that
    # mypy can take as a class.
    class _ScopedSession(Session):
        """A Session, plus what the scoped session adds to it."""

        registry: ScopedRegistry[Session]

        def remove(self) -> None: ...

    class _SQLAlchemy(SQLAlchemy):
        session: _ScopedSession  # type: ignore[assignment]

    class Model(Base):
        __abstract__ = True

    db = _SQLAlchemy(model_class=Base)
else:
    db = SQLAlchemy(model_class=Base)
    Model = db.Model

migrate = Migrate()
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
