"""Match imported rows to a tenant's members and upsert organisations and contact persons."""

from __future__ import annotations

from sqlmodel import Session, select

from services.analytics.importing.keys import content_hash, name_key, stable_id
from services.analytics.importing.records import MemberRecord
from services.analytics.models import Member, MemberKind, utcnow

# Fields compared for "changed"; an empty cell never erases a value kept from earlier imports.
# The company register is the authority for these once a member has been enriched from it.
REGISTER_FIELDS = ("industry_code", "employee_band")
TRACKED_FIELDS = (
    "name", "organisation_id", "cvr", "email", "industry", "industry_code", "employee_band",
    "postcode", "joined_on",
)


class MemberIndex:
    """A tenant's members, loaded once per import, with the look-ups that matching needs."""

    def __init__(self, session: Session, tenant_id: str, members: list[Member]) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.by_id: dict[str, Member] = {}
        self.org_by_cvr: dict[str, Member] = {}
        self.org_by_name: dict[str, Member] = {}
        self.person_by_email: dict[str, Member] = {}
        self.person_by_name: dict[tuple[str, str | None], Member] = {}
        for member in members:
            self._remember(member)
        self.created: set[str] = set()
        self.updated: set[str] = set()
        self.touched: set[str] = set()

    @classmethod
    def load(cls, session: Session, tenant_id: str) -> MemberIndex:
        members = list(session.exec(select(Member).where(Member.tenant_id == tenant_id)))
        return cls(session, tenant_id, members)

    def upsert(self, record: MemberRecord) -> str:
        """Upsert the row's organisation and person; returns the id of the person if any."""
        organisation = self._upsert_organisation(record)
        if not record.name:
            assert organisation is not None
            return organisation.member_id
        person = self._find_person(record, organisation)
        org_id = organisation.member_id if organisation else None
        fields: dict[str, object] = {
            "name": record.name, "email": record.email, "organisation_id": org_id,
            "joined_on": record.joined_on,
        }
        if organisation is None:
            fields |= {
                "industry": record.industry, "industry_code": record.industry_code,
                "employee_band": record.employee_band, "postcode": record.postcode,
            }
        if person is None:
            natural = record.email or f"{name_key(record.name)}|{org_id or ''}"
            person = self._create(MemberKind.PERSON, natural, record.name)
        self._apply(person, fields)
        return person.member_id

    def upsert_participant(self, record: MemberRecord) -> str:
        """Match a sign-up row to a member, creating one when the list names someone new."""
        if not record.name and not record.organisation and not record.cvr and record.email:
            person = self.person_by_email.get(record.email)
            if person is not None:
                self.touched.add(person.member_id)
                return person.member_id
            person = self._create(MemberKind.PERSON, record.email, record.email.split("@")[0])
            self._apply(person, {"email": record.email})
            return person.member_id
        return self.upsert(record)

    def counts(self) -> tuple[int, int, int]:
        created = len(self.created)
        updated = len(self.updated - self.created)
        return created, updated, len(self.touched - self.created - self.updated)

    def _upsert_organisation(self, record: MemberRecord) -> Member | None:
        if not record.organisation and not record.cvr:
            return None
        organisation = (self.org_by_cvr.get(record.cvr) if record.cvr else None) or (
            self.org_by_name.get(name_key(record.organisation)) if record.organisation else None
        )
        if organisation is None:
            natural = f"cvr:{record.cvr}" if record.cvr else f"name:{name_key(record.organisation)}"
            organisation = self._create(
                MemberKind.ORGANISATION, natural, record.organisation or record.cvr or ""
            )
        fields: dict[str, object] = {
            "name": record.organisation, "cvr": record.cvr, "industry": record.industry,
            "industry_code": record.industry_code, "employee_band": record.employee_band,
            "postcode": record.postcode,
        }
        if not record.name:
            fields["joined_on"] = record.joined_on
        self._apply(organisation, fields)
        return organisation

    def _find_person(self, record: MemberRecord, organisation: Member | None) -> Member | None:
        if record.email and record.email in self.person_by_email:
            return self.person_by_email[record.email]
        org_id = organisation.member_id if organisation else None
        return self.person_by_name.get((name_key(record.name), org_id))

    def _create(self, kind: MemberKind, natural_key: str, name: str) -> Member:
        member_id = stable_id(self.tenant_id, kind.value, natural_key)
        existing = self.by_id.get(member_id)
        if existing is not None:
            return existing
        member = Member(
            tenant_id=self.tenant_id, member_id=member_id, kind=kind, name=name,
            name_key=name_key(name),
        )
        self.created.add(member_id)
        self.by_id[member_id] = member
        self.session.add(member)
        return member

    def _apply(self, member: Member, fields: dict[str, object]) -> None:
        for name, value in fields.items():
            if member.enriched_from and name in REGISTER_FIELDS:
                continue
            if value not in (None, ""):
                setattr(member, name, value)
        member.name_key = name_key(member.name)
        digest = content_hash({name: getattr(member, name) for name in TRACKED_FIELDS})
        if member.content_hash != digest:
            if member.content_hash:
                self.updated.add(member.member_id)
            member.content_hash = digest
            member.updated_at = utcnow()
            self.session.add(member)
        self.touched.add(member.member_id)
        self._remember(member)

    def _remember(self, member: Member) -> None:
        self.by_id[member.member_id] = member
        if member.kind == MemberKind.ORGANISATION:
            if member.cvr:
                self.org_by_cvr[member.cvr] = member
            self.org_by_name[member.name_key] = member
        else:
            if member.email:
                self.person_by_email[member.email] = member
            self.person_by_name[(member.name_key, member.organisation_id)] = member
