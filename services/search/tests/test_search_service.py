"""The search service on both vector store backends: tenancy, filters, paging, deletion."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.embedding.runtime import ModelUnavailable
from services.search.index import InvalidSearch, SearchFilters
from services.search.service import AssetNotFound, SearchService
from services.search.store import ModelMismatch, VectorStore
from services.search.tests.conftest import IndexPhotos
from services.search.tests.fakes import (
    FAKE_MODEL,
    FakeEncoder,
    Photo,
    near,
    photo_label,
    solid_photo,
    vector_for,
)

RED = (200, 20, 20)


def _ids(page) -> list[str]:
    return [hit.asset_id for hit in page.hits]


def test_text_search_ranks_closest_photo_first(
    service: SearchService, index_photos: IndexPhotos
) -> None:
    index_photos(
        Photo("acme", "far", near("sunset", 1.5)),
        Photo("acme", "close", near("sunset", 0.1)),
        Photo("acme", "middle", near("sunset", 0.6)),
    )

    page = service.search_text("acme", "sunset")

    assert _ids(page) == ["close", "middle", "far"]
    assert page.model_id == FAKE_MODEL
    assert page.has_more is False
    assert page.hits[0].score > page.hits[1].score > page.hits[2].score
    assert page.hits[0].filename == "close.jpg"


def test_text_search_never_returns_other_tenants_photos(
    service: SearchService, index_photos: IndexPhotos
) -> None:
    index_photos(
        Photo("acme", "acme-1", near("harbour", 0.8)),
        Photo("acme", "acme-2", near("harbour", 0.9, seed=1)),
        Photo("globex", "globex-exact", vector_for("harbour")),
        Photo("globex", "globex-close", near("harbour", 0.05)),
    )

    page = service.search_text("acme", "harbour", limit=50)

    assert sorted(_ids(page)) == ["acme-1", "acme-2"]


def test_search_of_tenant_without_photos_is_empty(
    service: SearchService, index_photos: IndexPhotos
) -> None:
    index_photos(Photo("globex", "g", vector_for("harbour")))

    page = service.search_text("acme", "harbour")

    assert page.hits == []
    assert page.has_more is False


def test_similar_to_asset_returns_the_photo_itself_first(
    service: SearchService, index_photos: IndexPhotos
) -> None:
    index_photos(
        Photo("acme", "boat", near("boat", 0.3)),
        Photo("acme", "boat-2", near("boat", 0.35, seed=2)),
        Photo("acme", "tree", near("tree", 0.1)),
    )

    page = service.similar_to_asset("acme", "boat")

    assert _ids(page)[0] == "boat"
    assert page.hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert _ids(page)[1] == "boat-2"


def test_similar_to_asset_can_leave_the_photo_out(
    service: SearchService, index_photos: IndexPhotos
) -> None:
    index_photos(
        Photo("acme", "boat", near("boat", 0.3)),
        Photo("acme", "boat-2", near("boat", 0.35, seed=2)),
    )

    page = service.similar_to_asset("acme", "boat", exclude_self=True)

    assert _ids(page) == ["boat-2"]


def test_similar_to_asset_never_returns_other_tenants_photos(
    service: SearchService, index_photos: IndexPhotos
) -> None:
    index_photos(
        Photo("acme", "boat", near("boat", 0.3)),
        Photo("acme", "tree", near("tree", 0.1)),
        Photo("globex", "boat", near("boat", 0.3)),
        Photo("globex", "boat-twin", near("boat", 0.31)),
    )

    page = service.similar_to_asset("acme", "boat", limit=50)

    assert sorted(_ids(page)) == ["boat", "tree"]
    assert page.hits[0].score == pytest.approx(1.0, abs=1e-4)


def test_similar_to_other_tenants_asset_is_not_found(
    service: SearchService, index_photos: IndexPhotos
) -> None:
    index_photos(
        Photo("acme", "mine", vector_for("a")),
        Photo("globex", "theirs", vector_for("b")),
    )

    with pytest.raises(AssetNotFound):
        service.similar_to_asset("acme", "theirs")
    with pytest.raises(AssetNotFound):
        service.similar_to_asset("acme", "never-uploaded")


def test_similar_to_photo_never_returns_other_tenants_photos(
    service: SearchService, index_photos: IndexPhotos
) -> None:
    red = photo_label(solid_photo(RED))
    index_photos(
        Photo("acme", "red-ish", near(red, 0.2)),
        Photo("globex", "red-exact", vector_for(red)),
    )

    page = service.similar_to_photo("acme", solid_photo(RED), limit=50)

    assert _ids(page) == ["red-ish"]


def test_filters_select_by_date_folder_and_tag(
    service: SearchService, index_photos: IndexPhotos
) -> None:
    index_photos(
        Photo("acme", "june-site", near("x", 0.5), folder="site", tags=("roof",),
              taken_at=datetime(2024, 6, 10, 12, tzinfo=UTC)),
        Photo("acme", "july-site", near("x", 0.5, seed=1), folder="site", tags=("roof", "wall"),
              taken_at=datetime(2024, 7, 1, 8, tzinfo=UTC)),
        Photo("acme", "july-office", near("x", 0.5, seed=2), folder="office", tags=("wall",),
              taken_at=datetime(2024, 7, 20, tzinfo=UTC)),
        Photo("acme", "undated", near("x", 0.5, seed=3), folder="site"),
        Photo("globex", "globex-july", near("x", 0.5, seed=4), folder="site", tags=("roof",),
              taken_at=datetime(2024, 7, 2, tzinfo=UTC)),
    )
    cases = [
        (SearchFilters(folder="site"), {"june-site", "july-site", "undated"}),
        (SearchFilters(folder="missing"), set()),
        (SearchFilters(tag="roof"), {"june-site", "july-site"}),
        (SearchFilters(tag="wall", folder="site"), {"july-site"}),
        (SearchFilters(taken_from=datetime(2024, 7, 1, tzinfo=UTC)),
         {"july-site", "july-office"}),
        (SearchFilters(taken_to=datetime(2024, 7, 1, 8, tzinfo=UTC)), {"june-site", "july-site"}),
        (SearchFilters(taken_from=datetime(2024, 6, 30, tzinfo=UTC),
                       taken_to=datetime(2024, 7, 2, tzinfo=UTC)), {"july-site"}),
        (SearchFilters(taken_from=datetime(2024, 7, 1), tag="roof"), {"july-site"}),
    ]

    for filters, expected in cases:
        text_hits = set(_ids(service.search_text("acme", "x", filters, limit=50)))
        similar_hits = set(_ids(service.similar_to_asset("acme", "undated", filters, limit=50)))
        assert text_hits == expected, filters
        assert similar_hits == expected, filters


def test_reversed_date_range_is_rejected() -> None:
    with pytest.raises(InvalidSearch, match="taken_from"):
        SearchFilters(taken_from=datetime(2024, 7, 2), taken_to=datetime(2024, 7, 1))


def test_pages_cover_every_photo_once(service: SearchService, index_photos: IndexPhotos) -> None:
    index_photos(*(Photo("acme", f"p{i:02d}", near("sea", 0.1 + i * 0.05, seed=i))
                   for i in range(25)))
    index_photos(Photo("globex", "g", vector_for("sea")))

    pages = [service.search_text("acme", "sea", limit=10, offset=offset)
             for offset in (0, 10, 20)]

    assert [len(page.hits) for page in pages] == [10, 10, 5]
    assert [page.has_more for page in pages] == [True, True, False]
    seen = [asset_id for page in pages for asset_id in _ids(page)]
    assert len(seen) == len(set(seen))
    assert set(seen) == {f"p{i:02d}" for i in range(25)}
    scores = [hit.score for page in pages for hit in page.hits]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (201, 0), (10, -1), (10, 10_001)])
def test_page_out_of_range_is_rejected(
    service: SearchService, limit: int, offset: int
) -> None:
    with pytest.raises(InvalidSearch):
        service.search_text("acme", "sea", limit=limit, offset=offset)


def test_empty_text_is_rejected(service: SearchService) -> None:
    with pytest.raises(InvalidSearch, match="empty"):
        service.search_text("acme", "   ")


def test_replayed_record_keeps_one_point(
    service: SearchService, store: VectorStore, index_photos: IndexPhotos
) -> None:
    photo = Photo("acme", "once", vector_for("a"), folder="first")
    index_photos(photo, photo)
    index_photos(Photo("acme", "once", vector_for("a"), folder="second"))

    page = service.search_text("acme", "a", limit=50)

    assert _ids(page) == ["once"]
    assert page.hits[0].folder == "second"
    assert store.count(store.list_collections()[0].name) == 1


def test_same_asset_in_two_tenants_is_two_points(
    service: SearchService, store: VectorStore, index_photos: IndexPhotos
) -> None:
    index_photos(
        Photo("acme", "shared-photo", vector_for("a")),
        Photo("globex", "shared-photo", vector_for("a")),
    )

    service.delete_assets("acme", ["shared-photo"])

    assert store.count(store.list_collections()[0].name) == 1
    assert _ids(service.similar_to_asset("globex", "shared-photo")) == ["shared-photo"]
    with pytest.raises(AssetNotFound):
        service.similar_to_asset("acme", "shared-photo")


def test_delete_assets_removes_only_those_photos(
    service: SearchService, index_photos: IndexPhotos
) -> None:
    index_photos(*(Photo("acme", name, near("a", 0.5, seed=i))
                   for i, name in enumerate(("keep", "drop-1", "drop-2"))))

    service.delete_assets("acme", ["drop-1", "drop-2", "never-indexed"])

    assert _ids(service.search_text("acme", "a", limit=50)) == ["keep"]


def test_delete_tenant_removes_only_that_tenant(
    service: SearchService, index_photos: IndexPhotos
) -> None:
    index_photos(
        Photo("acme", "a1", vector_for("a")),
        Photo("acme", "a2", near("a", 0.3)),
        Photo("globex", "g1", vector_for("a")),
    )

    service.delete_tenant("acme")

    assert service.search_text("acme", "a", limit=50).hits == []
    assert _ids(service.search_text("globex", "a", limit=50)) == ["g1"]


def test_model_unavailable_propagates_from_text_search(
    service: SearchService, encoder: FakeEncoder, index_photos: IndexPhotos
) -> None:
    index_photos(Photo("acme", "a", vector_for("a")))
    encoder.unavailable_reason = "no weights for fake-clip in the model store"

    with pytest.raises(ModelUnavailable, match="no weights"):
        service.search_text("acme", "a")
    # Similar-by-id needs only the stored vector, so it still works.
    assert _ids(service.similar_to_asset("acme", "a")) == ["a"]


def test_query_vector_of_another_model_is_rejected(
    service: SearchService, store: VectorStore, index_photos: IndexPhotos
) -> None:
    index_photos(Photo("acme", "a", vector_for("a")))
    info = store.list_collections()[0]
    from services.search.index import TenantIndex

    index = TenantIndex(store, info, "acme")

    with pytest.raises(ModelMismatch, match="other-model"):
        index.search("other-model", vector_for("a"), SearchFilters(), 10, 0)
    with pytest.raises(ModelMismatch, match="shape"):
        index.search(FAKE_MODEL, vector_for("a", dim=8), SearchFilters(), 10, 0)


def test_encoder_of_changed_dimension_is_rejected(
    settings, bus, store: VectorStore, index_photos: IndexPhotos, service: SearchService
) -> None:
    index_photos(Photo("acme", "a", vector_for("a")))
    resized = SearchService(settings, bus, store, FakeEncoder(dim=8))

    with pytest.raises(ModelMismatch, match="16-dimensional"):
        resized.search_text("acme", "a")


def test_other_model_gets_own_collection(
    service: SearchService, store: VectorStore, index_photos: IndexPhotos
) -> None:
    index_photos(
        Photo("acme", "current", vector_for("a")),
        Photo("acme", "older", vector_for("a", dim=8), model="older-clip"),
    )

    collections = {info.model_id: info for info in store.list_collections()}

    assert {model: info.dim for model, info in collections.items()} == {
        FAKE_MODEL: 16, "older-clip": 8,
    }
    assert _ids(service.search_text("acme", "a", limit=50)) == ["current"]
