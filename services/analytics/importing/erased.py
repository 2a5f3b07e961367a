"""Erased members: the hashes kept after an erasure, and the check that keeps imports from
bringing the person back."""

from __future__ import annotations

import hashlib

from sqlmodel import Session, select

from services.analytics.importing.keys import name_key, stable_id
from services.analytics.importing.members import MemberIndex
from services.analytics.importing.records import MemberRecord
from services.analytics.models import ErasedMember, Member, MemberKind


def identifier_hash(tenant_id: str, kind: str, value: str) -> str:
    """Return the hash kept for one identifier of an erased member; the tenant id salts it."""
    # NOTE: the salt is not secret, so whoever reads the table can test a guessed e-mail address.
    return hashlib.sha256(f"{tenant_id}\x00{kind}\x00{value}".encode()).hexdigest()


def erased_rows(tenant_id: str, member: Member) -> list[ErasedMember]:
    """Build the rows that record the member's identifiers as erased."""
    identifiers = [("id", member.member_id)]
    if member.email:
        identifiers.append(("email", member.email))
    if member.member_number:
        identifiers.append(("number", member.member_number))
    if member.cvr and member.kind == MemberKind.ORGANISATION:
        identifiers.append(("cvr", member.cvr))
    return [
        ErasedMember(tenant_id=tenant_id, identifier_hash=identifier_hash(tenant_id, kind, value))
        for kind, value in identifiers
    ]


class ErasedMembers:
    """The tenant's erased identifiers, loaded once per import."""

    def __init__(self, tenant_id: str, hashes: set[str]) -> None:
        self.tenant_id = tenant_id
        self.hashes = hashes

    @classmethod
    def load(cls, session: Session, tenant_id: str) -> ErasedMembers:
        rows = session.exec(
            select(ErasedMember.identifier_hash).where(ErasedMember.tenant_id == tenant_id)
        )
        return cls(tenant_id, set(rows))

    def matches(self, record: MemberRecord, members: MemberIndex) -> bool:
        """Return whether the row names an erased member, by an identifier or by the member id
        that importing the row would give the organisation or the person."""
        if not self.hashes:
            return False
        organisation_id = self._organisation_id(record, members)
        identifiers = [
            ("email", record.email), ("number", record.member_number), ("cvr", record.cvr),
            ("id", organisation_id),
        ]
        if record.name:
            natural = record.email or f"{name_key(record.name)}|{organisation_id or ''}"
            identifiers.append(("id", stable_id(self.tenant_id, MemberKind.PERSON.value, natural)))
        elif record.email or record.member_number:
            natural = record.email or f"number:{record.member_number}"
            identifiers.append(("id", stable_id(self.tenant_id, MemberKind.PERSON.value, natural)))
        return any(
            identifier_hash(self.tenant_id, kind, value) in self.hashes
            for kind, value in identifiers
            if value
        )

    def _organisation_id(self, record: MemberRecord, members: MemberIndex) -> str | None:
        found = members.find_organisation(record)
        if found is not None:
            return found.member_id
        if record.cvr:
            natural = f"cvr:{record.cvr}"
        elif record.organisation:
            natural = f"name:{name_key(record.organisation)}"
        else:
            return None
        return stable_id(self.tenant_id, MemberKind.ORGANISATION.value, natural)
