from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import services.audience.models as models
from shared.db import make_engine
from shared.jobs import Job

AUDIENCE_TABLES = [
    model.__table__  # type: ignore[attr-defined]
    for model in (
        models.AudienceAccount,
        models.AudienceAlias,
        models.AudiencePost,
        models.AudienceFollow,
        models.AudienceEngagement,
        models.AudienceImport,
        models.AudienceImportRecord,
        models.ErasedHandle,
        models.AudienceTextVector,
        models.CommunityRun,
        models.Community,
        models.CommunityMembership,
        Job,
    )
]


@pytest.fixture
def engine(tmp_path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'audience.db'}")
    SQLModel.metadata.create_all(engine, tables=AUDIENCE_TABLES)
    yield engine
    engine.dispose()
