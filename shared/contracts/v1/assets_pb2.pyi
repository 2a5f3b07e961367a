from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AssetMetadata(_message.Message):
    __slots__ = ("folder", "tags", "taken_at", "filename")
    FOLDER_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    TAKEN_AT_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    folder: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    taken_at: int
    filename: str
    def __init__(self, folder: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., taken_at: _Optional[int] = ..., filename: _Optional[str] = ...) -> None: ...

class AssetIngested(_message.Message):
    __slots__ = ("version", "tenant_id", "asset_id", "storage_key", "content_type", "metadata")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    STORAGE_KEY_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    version: int
    tenant_id: str
    asset_id: str
    storage_key: str
    content_type: str
    metadata: AssetMetadata
    def __init__(self, version: _Optional[int] = ..., tenant_id: _Optional[str] = ..., asset_id: _Optional[str] = ..., storage_key: _Optional[str] = ..., content_type: _Optional[str] = ..., metadata: _Optional[_Union[AssetMetadata, _Mapping]] = ...) -> None: ...

class AssetEmbedded(_message.Message):
    __slots__ = ("version", "tenant_id", "asset_id", "model", "vector", "metadata")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    VECTOR_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    version: int
    tenant_id: str
    asset_id: str
    model: str
    vector: _containers.RepeatedScalarFieldContainer[float]
    metadata: AssetMetadata
    def __init__(self, version: _Optional[int] = ..., tenant_id: _Optional[str] = ..., asset_id: _Optional[str] = ..., model: _Optional[str] = ..., vector: _Optional[_Iterable[float]] = ..., metadata: _Optional[_Union[AssetMetadata, _Mapping]] = ...) -> None: ...

class AssetIndexed(_message.Message):
    __slots__ = ("version", "tenant_id", "asset_id", "collection")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    version: int
    tenant_id: str
    asset_id: str
    collection: str
    def __init__(self, version: _Optional[int] = ..., tenant_id: _Optional[str] = ..., asset_id: _Optional[str] = ..., collection: _Optional[str] = ...) -> None: ...

class DeadLetter(_message.Message):
    __slots__ = ("version", "stage", "topic", "tenant_id", "asset_id", "reason", "attempts", "record")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    version: int
    stage: str
    topic: str
    tenant_id: str
    asset_id: str
    reason: str
    attempts: int
    record: bytes
    def __init__(self, version: _Optional[int] = ..., stage: _Optional[str] = ..., topic: _Optional[str] = ..., tenant_id: _Optional[str] = ..., asset_id: _Optional[str] = ..., reason: _Optional[str] = ..., attempts: _Optional[int] = ..., record: _Optional[bytes] = ...) -> None: ...

class AssetDeleted(_message.Message):
    __slots__ = ("version", "tenant_id", "asset_id")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    version: int
    tenant_id: str
    asset_id: str
    def __init__(self, version: _Optional[int] = ..., tenant_id: _Optional[str] = ..., asset_id: _Optional[str] = ...) -> None: ...
