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


def with_user(url: str, user: str) -> str:
    """`url` with another user and no password: the runtime role on a server that trusts the
    local connection (the embedded cluster's socket, a development server with trust auth)."""
    return (
        sqlalchemy_url(url).set(username=user, password=None).render_as_string(hide_password=False)
    )


def user_of(url: str) -> str | None:
    """The user a URL names (None: libpq's default, the operating-system user)."""
    return sqlalchemy_url(url).username


def password_of(url: str) -> str | None:
    return sqlalchemy_url(url).password
