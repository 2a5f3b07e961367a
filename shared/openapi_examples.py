"""Example values for the OpenAPI document, so that one tenant's ids read the same on every route.

The ids have the formats the services make: SHA-256 hex for photos, ``uuid4().hex`` for uploads,
jobs and runs, 16 hex digits for keys and users, 24 hex digits for analytics members and events.
"""

from __future__ import annotations

from typing import Any

TENANT_ID = "staalbyg"
TENANT_NAME = "Stålbyg A/S"
KEY_ID = "81ff540e7037cdc2"
API_KEY = "df_81ff540e7037cdc2_ky9LDU7YSQ_mUiGn4mD0506heVLUXIX4anp7kVLJCcQ"
USER_ID = "374e8d82e1b63371"
ASSET_ID = "9c1771a7b2e951cee07ec8764719f9a9d882aa490a5084123621ab036fa62511"
OTHER_ASSET_ID = "eb9e43e03980ad2d65f7bd1c1a2c7d658b9a76a227ae35285a6f4141b271bb46"
UPLOAD_ID = "8757b85aa4914a4abd9cc1751f6abc18"
JOB_ID = "5e3d614ea5ae490d94d8a8ada34f6f4c"
PHOTO_GROUP_ID = "74efb01cb21042c4bc78857ee54e22c8"
MEMBER_ID = "645774650a7ea59c57d1b210"
ORGANISATION_ID = "ce8089d6d6435a397bca465f"
AUDIENCE_IMPORT_ID = "41fbca1468f44207adece44b7d2b6f5b"
COMMUNITY_RUN_ID = "0c17cca8fa6b4c10b61143ed6d1d3f27"
INFLUENCER = "hyggehanne"
CREATED_AT = "2026-03-02T09:15:27.642508Z"
UPDATED_AT = "2026-03-02T09:16:03.990940Z"
# Links are absolute: the server builds them from the URL of the request.
BASE_URL = "https://datafantasi.example.com"


def response_examples(
    examples: dict[str, Any], status_code: int = 200
) -> dict[int | str, dict[str, Any]]:
    """Return a ``responses`` entry showing one example body per media type.

    For bodies whose shape a response model cannot fix: figures, CSV, HTML and files.
    """
    content = {media_type: {"example": example} for media_type, example in examples.items()}
    return {status_code: {"content": content}}
