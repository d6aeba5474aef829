"""Conversions between the SQLAlchemy URL users configure and what psycopg and alembic take."""

from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL


def sqlalchemy_url(url: str) -> URL:
    """Accept postgresql://, postgres:// or postgresql+psycopg:// and pin the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"DATABASE_URL must be a PostgreSQL URL, not {parsed.get_backend_name()}")
    return parsed.set(drivername="postgresql+psycopg")


def libpq_conninfo(url: str) -> str:
    """The libpq URI psycopg connects with (host may be a unix-socket directory in the query)."""
    return sqlalchemy_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
