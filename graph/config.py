"""Settings, read once from the environment at the edge (CLI/app) and passed inward."""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    env: Literal["dev", "prod"]
    database_url: str | None
    """None selects the embedded PostgreSQL under `data_dir`."""
    data_dir: Path
    graphiql: bool

    @property
    def dev(self) -> bool:
        return self.env == "dev"

    @property
    def dev_key_path(self) -> Path:
        return self.data_dir / "dev-signing-key.json"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        env = environ.get("BHXH_ENV", "dev")
        if env not in ("dev", "prod"):
            raise ConfigError(f"BHXH_ENV must be dev or prod, not {env!r}")
        graphiql = environ.get("BHXH_GRAPHIQL", "1" if env == "dev" else "0")
        return cls(
            env=env,  # type: ignore[arg-type]
            database_url=environ.get("DATABASE_URL") or None,
            data_dir=Path(environ.get("BHXH_DATA_DIR", ".data")).resolve(),
            graphiql=graphiql.lower() in ("1", "true", "yes", "on"),
        )
