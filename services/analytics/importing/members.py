"""Match imported rows to a tenant's members and upsert organisations and contact persons."""

from __future__ import annotations

from sqlmodel import Session, select

from services.analytics.importing.keys import content_hash, name_key, stable_id
from services.analytics.importing.outcomes import RowOutcomes
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
        self.people_by_name: dict[str, dict[str, Member]] = {}
        self.by_number: dict[str, Member] = {}
        for member in members:
            self._remember(member)
        self.created: set[str] = set()
        self.updated: set[str] = set()
        self.touched: set[str] = set()
        self.rows = RowOutcomes()

    @classmethod
    def load(cls, session: Session, tenant_id: str) -> MemberIndex:
        members = list(session.exec(select(Member).where(Member.tenant_id == tenant_id)))
        return cls(session, tenant_id, members)

    def upsert(self, record: MemberRecord) -> str:
        """Upsert the row's organisation and person; returns the id of the person if any.

        A member number belongs to the organisation when the row names one, because in a
        business network the company is the member; otherwise it belongs to the person.
        """
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
                "member_number": record.member_number,
            }
        if person is None:
            natural = record.email or f"{name_key(record.name)}|{org_id or ''}"
            person = self._create(MemberKind.PERSON, natural, record.name)
        self._apply(person, fields)
        return person.member_id

    def upsert_participant(self, record: MemberRecord) -> str:
        """Match a sign-up row to a member, creating one only when the list names someone new.

        The row is matched on every identifier it carries, strongest first. These are the member
        number, the e-mail address, the name within the organisation, and a name that only one
        person in the tenant has. A matched member is kept as it is, except that an e-mail
        address it lacks is filled in.
        """
        known = self._match_participant(record)
        if known is not None:
            if record.email and not known.email and record.email not in self.person_by_email:
                self._apply(known, {"email": record.email})
            self.touched.add(known.member_id)
            return known.member_id
        if not record.name and not record.organisation and not record.cvr:
            # The row has only an e-mail address or a member number of someone not imported yet.
            natural = record.email or f"number:{record.member_number}"
            label = record.email.split("@")[0] if record.email else f"#{record.member_number}"
            person = self._create(MemberKind.PERSON, natural, label)
            self._apply(person, {"email": record.email, "member_number": record.member_number})
            return person.member_id
        return self.upsert(record)

    def _match_participant(self, record: MemberRecord) -> Member | None:
        numbered = self.by_number.get(record.member_number) if record.member_number else None
        if numbered is not None and (numbered.kind == MemberKind.PERSON or not record.name):
            return numbered
        if record.email and record.email in self.person_by_email:
            return self.person_by_email[record.email]
        if not record.name:
            return self.find_organisation(record)
        organisation = numbered or self.find_organisation(record)
        if organisation is not None:
            return self.person_by_name.get((name_key(record.name), organisation.member_id))
        if record.organisation or record.cvr:
            return None
        namesakes = self.people_by_name.get(name_key(record.name), {})
        return next(iter(namesakes.values())) if len(namesakes) == 1 else None

    def find_organisation(self, record: MemberRecord) -> Member | None:
        if record.cvr and record.cvr in self.org_by_cvr:
            return self.org_by_cvr[record.cvr]
        if record.organisation:
            return self.org_by_name.get(name_key(record.organisation))
        return None

    def counts(self) -> tuple[int, int, int]:
        created = len(self.created)
        updated = len(self.updated - self.created)
        return created, updated, len(self.touched - self.created - self.updated)

    def _upsert_organisation(self, record: MemberRecord) -> Member | None:
        numbered = self.by_number.get(record.member_number) if record.member_number else None
        if numbered is not None and numbered.kind != MemberKind.ORGANISATION:
            numbered = None
        if numbered is None and not record.organisation and not record.cvr:
            return None
        organisation = numbered or self.find_organisation(record)
        if organisation is None:
            natural = f"cvr:{record.cvr}" if record.cvr else f"name:{name_key(record.organisation)}"
            organisation = self._create(
                MemberKind.ORGANISATION, natural, record.organisation or record.cvr or ""
            )
        fields: dict[str, object] = {
            "name": record.organisation, "cvr": record.cvr, "industry": record.industry,
            "industry_code": record.industry_code, "employee_band": record.employee_band,
            "postcode": record.postcode, "member_number": record.member_number,
        }
        if not record.name:
            fields["joined_on"] = record.joined_on
        self._apply(organisation, fields)
        return organisation

    def _find_person(self, record: MemberRecord, organisation: Member | None) -> Member | None:
        numbered = self.by_number.get(record.member_number) if record.member_number else None
        if numbered is not None and numbered.kind == MemberKind.PERSON:
            return numbered
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
        self.rows.mark("created")
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
        digest = _content_hash(member)
        if member.content_hash != digest:
            if member.content_hash:
                self.updated.add(member.member_id)
                self.rows.mark("updated")
            member.content_hash = digest
            member.updated_at = utcnow()
            self.session.add(member)
        self.touched.add(member.member_id)
        self._remember(member)

    def _remember(self, member: Member) -> None:
        self.by_id[member.member_id] = member
        if member.member_number:
            self.by_number[member.member_number] = member
        if member.kind == MemberKind.ORGANISATION:
            if member.cvr:
                self.org_by_cvr[member.cvr] = member
            self.org_by_name[member.name_key] = member
        else:
            if member.email:
                self.person_by_email[member.email] = member
            self.person_by_name[(member.name_key, member.organisation_id)] = member
            self.people_by_name.setdefault(member.name_key, {})[member.member_id] = member


def _content_hash(member: Member) -> str:
    tracked = {name: getattr(member, name) for name in TRACKED_FIELDS}
    # Only a set member number enters the hash, so members stored before the field existed
    # keep their hash and a re-import does not report them as updated.
    if member.member_number:
        tracked["member_number"] = member.member_number
    return content_hash(tracked)
