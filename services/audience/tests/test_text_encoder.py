import numpy as np
import pytest
from sqlalchemy import func, select

from services.audience.text_encoder import E5TextEncoder
from services.audience.vectors import VECTORS, CachedEncoder, forget_texts


@pytest.fixture(scope="module")
def encoder() -> E5TextEncoder:
    return E5TextEncoder()


def test_e5_places_related_danish_texts_closer(encoder) -> None:
    sofa, chair, running = encoder.encode(
        ["Hyggelig sofa i uld til stuen", "Lænestol med uldhynde til stuen", "Løbesko til maraton"]
    )

    assert encoder.encode(["x"]).shape == (1, 384)
    assert np.linalg.norm(sofa) == pytest.approx(1.0, abs=1e-5)
    assert float(sofa @ chair) > float(sofa @ running)


def test_cache_encodes_each_text_once(engine, encoder) -> None:
    cached = CachedEncoder(engine, "t1", encoder)

    first = cached.encode(["Flot sofa 😍", "Flot sofa 😍", "Havemøbler"])
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(VECTORS)).scalar()
    again = cached.encode(["Havemøbler"])

    assert stored == 2
    assert np.allclose(first[0], first[1])
    # Vectors are kept as float16, so the cached copy differs by rounding only.
    assert np.allclose(again[0], first[2], atol=1e-3)
    assert forget_texts(engine, "t1", ["Havemøbler"]) == 1
    assert forget_texts(engine, "t2", ["Flot sofa 😍"]) == 0
