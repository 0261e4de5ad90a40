"""Importing an export into a case: check all of it first, then store it in batches that can be resumed.

1. Survey: the source reads the whole input and validates it. Nothing is written, so a bad file is
   reported (one sentence naming the file and line) before the vault is touched.
2. Store: one transaction per batch. Each batch row records how many records are in, so after a crash
   running the same command again skips what is stored and finishes the job. Records already in the case
   (same dedup key) are counted as duplicates and not written again.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, and_, func, select

from stalkproof.errors import InputError
from stalkproof.evidence.ids import new_id
from stalkproof.evidence.import_keys import Dater
from stalkproof.evidence.import_store import ImportState, original_for, store_batch
from stalkproof.ingest.base import Context, ParseWarning, Record, Source, Survey
from stalkproof.ingest.csv_mapped import read_mapping
from stalkproof.ingest.inputs import Input, open_input
from stalkproof.ingest.registry import detect_all, source_named
from stalkproof.vault.bulk import between_batches, collector_between_batches
from stalkproof.vault.ledger import complete_row
from stalkproof.vault.schema import accounts, attributions, import_batches, import_warnings, imports, parties
from stalkproof.vault.vault import Vault

BATCH_SECONDS = 2.0
Progress = Callable[[str, int, int | None], None]
Confirm = Callable[[str], bool]


@dataclass(frozen=True)
class ImportRequest:
    path: Path
    source: str | None = None
    zone: str | None = None
    date_order: str | None = None
    me: str | None = None
    chat: str | None = None
    mapping: Path | None = None
    encoding: str | None = None
    ocr_lang: str = "eng"
    sender_left: str | None = None
    screenshot_date: str | None = None
    batch: int = 5_000

    def options(self) -> dict[str, Any]:
        """The options that change what is read, in a stable form (the mapping by its content's hash)."""
        chosen = {
            "zone": self.zone,
            "date_order": self.date_order,
            "me": self.me,
            "chat": self.chat,
            "encoding": self.encoding,
            "ocr_lang": self.ocr_lang,
            "sender_left": self.sender_left,
            "screenshot_date": self.screenshot_date,
        }
        if self.mapping is not None:
            chosen["mapping_sha256"] = hashlib.sha256(self.mapping.read_bytes()).hexdigest()
        return {name: value for name, value in chosen.items() if value is not None}


@dataclass
class ImportReport:
    source: str
    file_sha256: str
    records: int
    new: int = 0
    duplicates: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)
    import_id: str = ""
    resumed: bool = False
    already: str | None = None
    exhibit: str | None = None
    media_exhibits: int = 0
    first: str | None = None
    last: str | None = None
    zone: str | None = None
    accounts: list[dict[str, Any]] = field(default_factory=list)
    label: str = ""
    input_name: str = ""
    also: list[ImportReport] = field(default_factory=list)  # the other exports of a bundle

    @property
    def not_understood(self) -> int:
        return sum(1 for warning in self.warnings if warning["code"] == "unparsed_line")

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "file_sha256": self.file_sha256,
            "records": self.records,
            "new": self.new,
            "duplicates": self.duplicates,
            "warnings": self.warnings,
            "import_id": self.import_id,
            "resumed": self.resumed,
            "already_imported": self.already,
            "exhibit": self.exhibit,
            "media_exhibits": self.media_exhibits,
            "not_understood": self.not_understood,
            "first": self.first,
            "last": self.last,
            "zone": self.zone,
            "accounts": self.accounts,
            "also": [other.as_json() for other in self.also],
        }


def run_import(
    vault: Vault,
    case_id: str,
    request: ImportRequest,
    progress: Progress | None = None,
    confirm: Confirm | None = None,
) -> ImportReport:
    """Import one input. `confirm` asks the person a yes/no question (on a terminal) when the source had to
    guess something that changes every record, such as whether 03/04 is the 3rd of April. A download that
    bundles several exports (a Takeout with Mail and Chat) is imported as each in turn: the first report
    is returned, with the others in its `also`."""
    with open_input(request.path, scratch=vault.store.staging) as inp:
        chosen = [source_named(request.source)] if request.source else detect_all(inp)
        if len(chosen) > 1:  # check every part before writing any, so bad input leaves the vault as it was
            for source in chosen:
                _survey(source, inp, request)
        reports = [_import_as(vault, case_id, inp, source, request, progress, confirm) for source in chosen]
    first = reports[0]
    first.also = reports[1:]
    return first


def run_imports(
    vault: Vault, case_id: str, requests: Sequence[ImportRequest], progress: Progress | None = None
) -> list[ImportReport]:
    """Several inputs given together (files uploaded at once). Every one is checked before any is stored,
    so one bad file among them leaves the vault as it was."""
    if len(requests) > 1:
        for request in requests:
            check_import(vault, request)
    return [run_import(vault, case_id, request, progress) for request in requests]


def check_import(vault: Vault, request: ImportRequest) -> None:
    """Read the input as an import would, writing nothing. Raises InputError if it cannot be imported."""
    with open_input(request.path, scratch=vault.store.staging) as inp:
        chosen = [source_named(request.source)] if request.source else detect_all(inp)
        for source in chosen:
            _survey(source, inp, request)


def _import_as(
    vault: Vault,
    case_id: str,
    inp: Input,
    source: Source,
    request: ImportRequest,
    progress: Progress | None,
    confirm: Confirm | None,
) -> ImportReport:
    if progress:
        progress("Checking", 0, None)
    ctx, survey, survey_warnings = _survey(source, inp, request)
    flipped = _date_order_rejected(survey, request, confirm)
    if flipped:
        request = replace(request, date_order=flipped)
        ctx, survey, survey_warnings = _survey(source, inp, request)
    digest = inp.digest()
    options = request.options()
    report = ImportReport(source.name, digest, survey.records, label=source.label, input_name=inp.name)
    report.first, report.last = _iso(survey.first), _iso(survey.last)
    with vault.read() as connection:
        done = _finished_import(connection, case_id, source, digest, options)
    if done is not None:
        return _already(vault, report, done, survey)
    run = _Run(vault, case_id, source, inp, ctx, survey, request, report, progress)
    run.store(survey_warnings, options)
    report.accounts = _accounts_seen(vault, case_id, survey)
    report.warnings = list_warnings(vault, report.import_id)
    return report


def _survey(source: Source, inp: Input, request: ImportRequest) -> tuple[Context, Survey, list[ParseWarning]]:
    ctx = _context(request)
    warnings: list[ParseWarning] = []
    ctx.on_warning = warnings.append
    return ctx, source.survey(inp, ctx), warnings


def _date_order_rejected(survey: Survey, request: ImportRequest, confirm: Confirm | None) -> str | None:
    """The other day/month order, if the source had to guess it and the person says the guess is wrong."""
    facts = survey.facts
    question = facts.get("date_order_question")
    guessed = facts.get("date_order_rule") == "4" and request.date_order is None
    if confirm is None or not guessed or not isinstance(question, str):
        return None
    if confirm(question):
        return None
    return "mdy" if facts.get("date_order") == "dmy" else "dmy"


def _context(request: ImportRequest) -> Context:
    learned: dict[str, object] = {}
    if request.screenshot_date:
        learned["screenshot_date"] = request.screenshot_date  # the screenshot source checks it
    return Context(
        zone=request.zone,
        date_order=request.date_order,
        me=request.me,
        chat=request.chat,
        mapping=read_mapping(request.mapping) if request.mapping else None,
        ocr_lang=request.ocr_lang,
        sender_left=request.sender_left,
        encoding=request.encoding,
        learned=learned,
    )


class _Run:
    """The store pass of one import."""

    def __init__(
        self,
        vault: Vault,
        case_id: str,
        source: Source,
        inp: Input,
        ctx: Context,
        survey: Survey,
        request: ImportRequest,
        report: ImportReport,
        progress: Progress | None,
    ) -> None:
        self.vault, self.case_id, self.source, self.inp, self.ctx = vault, case_id, source, inp, ctx
        self.survey, self.request, self.report, self.progress = survey, request, report, progress
        self.pending_warnings: list[ParseWarning] = []
        self.fingerprint = _fingerprint(inp)

    def store(self, survey_warnings: list[ParseWarning], options: dict[str, Any]) -> None:
        seen = {_warning_key(warning) for warning in survey_warnings}
        state, done = self._begin(options, survey_warnings)
        with collector_between_batches():
            self._store_all(state, seen, done)
        if state.dater.naive_seen and state.dater.assumed:
            self.report.zone = state.dater.stated_zone
        else:
            self.report.zone = state.dater.zone_name if state.dater.naive_seen else None

    def _store_all(self, state: ImportState, seen: set[tuple[object, ...]], done: int) -> None:
        self.ctx.on_warning = lambda warning: self._collect(warning, seen, done)
        batch: list[tuple[int, Record]] = []
        ctx, size, clock = self.ctx, self.request.batch, time.monotonic  # looked up once, not per record
        started = clock()
        ordinal = 0
        for ordinal, record in enumerate(self._records(), start=1):
            ctx.records_so_far = ordinal
            if ordinal <= done:
                continue
            batch.append((ordinal, record))
            if len(batch) >= size or clock() - started > BATCH_SECONDS:
                self._write(state, batch, ordinal, final=False)
                batch, started = [], clock()
                between_batches()
        self._write(state, batch, ordinal, final=True)

    def _records(self) -> Iterator[Record]:
        return self.source.parse(self.inp, self.ctx)

    def _collect(self, warning: ParseWarning, seen: set[tuple[object, ...]], done: int) -> None:
        if _warning_key(warning) in seen or warning.ordinal < done:
            return
        self.pending_warnings.append(warning)

    def _begin(self, options: dict[str, Any], survey_warnings: list[ParseWarning]) -> tuple[ImportState, int]:
        """Find the unfinished import to resume, or record a new one with the survey's warnings."""
        dater = Dater(self.request.zone)
        with self.vault.write() as writer:
            unfinished = _unfinished_import(
                writer.connection, self.case_id, self.source, self.report, options
            )
            import_id = unfinished[0] if unfinished else new_id()
            state = ImportState(
                import_id,
                self.case_id,
                self.source.name,
                self.source.label,
                self.source.version,
                self.inp,
                dater,
            )
            if unfinished:
                self.report.resumed = True
                state.batches = unfinished[2]
                done = unfinished[1]
            else:
                writer.recorder.insert(imports, self._import_row(writer.recorder.now, import_id, options))
                done = 0
            if self.inp.kind != "folder":
                state.container = original_for(writer, state, "")
                self.report.exhibit = state.container.exhibit_ref
            if not unfinished:
                zone_warning = self._zone_warning(dater)
                first = [*survey_warnings, *([zone_warning] if zone_warning else [])]
                store_batch(writer, state, [], first, 0, final=False)
        self.report.import_id = import_id
        return state, done

    def _zone_warning(self, dater: Dater) -> ParseWarning | None:
        if not dater.assumed or not self.survey.naive:
            return None
        reason = (
            f"Times in this file that carry no time zone were read as {dater.zone_name} time (this "
            "computer's zone). If the phone was set to another zone, import again with --zone."
        )
        return ParseWarning("zone_assumed", self.inp.name, None, "", reason)

    def _import_row(self, now: str, import_id: str, options: dict[str, Any]) -> dict[str, Any]:
        text, digest = _encoded(options)
        return complete_row(
            imports,
            {
                "id": import_id,
                "case_id": self.case_id,
                "source_name": self.source.name,
                "parser_version": self.source.version,
                "input_name": self.inp.name,
                "input_sha256": self.report.file_sha256,
                "options": text,
                "options_sha256": digest,
                "expected_records": self.survey.records,
                "started_at": now,
            },
        )

    def _write(self, state: ImportState, batch: list[tuple[int, Record]], through: int, final: bool) -> None:
        self._check_unchanged()
        warnings, self.pending_warnings = self.pending_warnings, []
        with self.vault.write() as writer:
            counts = store_batch(writer, state, batch, warnings, through, final)
        self.report.new += counts.new
        self.report.duplicates += counts.duplicates
        self.report.media_exhibits = state.media_exhibits
        if self.progress:
            self.progress("Storing", through, self.survey.records)

    def _check_unchanged(self) -> None:
        if _fingerprint(self.inp) != self.fingerprint:
            stored = self.report.new + self.report.duplicates
            raise InputError(
                f"this changed while it was being imported; {stored:,} records were stored. "
                "Run the same command again.",
                self.inp.path,
            )


def _fingerprint(inp: Input) -> tuple[int, int]:
    if inp.kind == "folder":
        return (0, 0)
    info = inp.path.stat()
    return (info.st_size, info.st_mtime_ns)


def _warning_key(warning: ParseWarning) -> tuple[object, ...]:
    return (warning.code, warning.member, warning.line, warning.offset, warning.reason)


def _encoded(options: dict[str, Any]) -> tuple[str, str]:
    """The options as stored in an import row (canonical JSON) and their SHA-256, which finds the row."""
    encoded = orjson.dumps(options, option=orjson.OPT_SORT_KEYS)
    return encoded.decode(), hashlib.sha256(encoded).hexdigest()


def _import_match(case_id: str, source: Source, digest: str, options: dict[str, Any]) -> Any:
    return and_(
        imports.c.case_id == case_id,
        imports.c.input_sha256 == digest,
        imports.c.source_name == source.name,
        imports.c.parser_version == source.version,
        imports.c.options_sha256 == _encoded(options)[1],
    )


def _finished_import(
    connection: Connection, case_id: str, source: Source, digest: str, options: dict[str, Any]
) -> tuple[str, str] | None:
    query = (
        select(imports.c.id, imports.c.started_at)
        .join(import_batches, import_batches.c.import_id == imports.c.id)
        .where(_import_match(case_id, source, digest, options), import_batches.c.final)
        .order_by(imports.c.started_at)
        .limit(1)
    )
    found = connection.execute(query).first()
    return (str(found.id), str(found.started_at)) if found else None


def _unfinished_import(
    connection: Connection, case_id: str, source: Source, report: ImportReport, options: dict[str, Any]
) -> tuple[str, int, int] | None:
    """(import id, records stored, batches written) of an import of this input that did not finish."""
    finished = select(import_batches.c.import_id).where(import_batches.c.final)
    query = (
        select(
            imports.c.id,
            func.coalesce(func.max(import_batches.c.records_through), 0),
            func.count(import_batches.c.id),
        )
        .outerjoin(import_batches, import_batches.c.import_id == imports.c.id)
        .where(_import_match(case_id, source, report.file_sha256, options), imports.c.id.not_in(finished))
        .group_by(imports.c.id)
        .order_by(imports.c.id)
        .limit(1)
    )
    found = connection.execute(query).first()
    return (str(found[0]), int(found[1]), int(found[2])) if found else None


def _already(vault: Vault, report: ImportReport, done: tuple[str, str], survey: Survey) -> ImportReport:
    report.import_id, report.already = done
    report.duplicates = survey.records
    report.accounts = _accounts_seen(vault, _case_of(vault, done[0]), survey)
    report.warnings = list_warnings(vault, done[0])
    return report


def _case_of(vault: Vault, import_id: str) -> str:
    with vault.read() as connection:
        return str(
            connection.execute(select(imports.c.case_id).where(imports.c.id == import_id)).scalar_one()
        )


def _accounts_seen(vault: Vault, case_id: str, survey: Survey) -> list[dict[str, Any]]:
    """The accounts in the input, with the person each is attributed to (if anyone yet)."""
    with vault.read() as connection:
        named = {
            (str(platform), str(identifier)): str(name)
            for platform, identifier, name in connection.execute(
                select(accounts.c.platform, accounts.c.identifier, parties.c.name)
                .join(attributions, attributions.c.account_id == accounts.c.id)
                .join(parties, parties.c.id == attributions.c.party_id)
                .where(accounts.c.case_id == case_id)
            )
        }
    ordered = sorted(survey.accounts.values(), key=lambda seen: -seen.records)
    return [
        {
            "platform": seen.handle.platform,
            "identifier": seen.handle.identifier,
            "display_name": seen.handle.display,
            "records": seen.records,
            "first_seen": _iso(seen.first),
            "last_seen": _iso(seen.last),
            "party": named.get((seen.handle.platform, seen.handle.identifier)),
        }
        for seen in ordered
    ]


def list_warnings(vault: Vault, import_id: str) -> list[dict[str, Any]]:
    with vault.read() as connection:
        rows = connection.execute(
            select(import_warnings)
            .where(import_warnings.c.import_id == import_id)
            .order_by(import_warnings.c.ordinal, import_warnings.c.id)
        ).all()
    return [
        {
            "code": row.code,
            "file": row.member,
            "line": row.line,
            "raw": row.raw,
            "reason": row.reason,
        }
        for row in rows
    ]


def list_imports(vault: Vault, case_id: str) -> list[dict[str, Any]]:
    with vault.read() as connection:
        rows = connection.execute(
            select(
                imports,
                func.coalesce(func.max(import_batches.c.records_through), 0).label("stored"),
                func.coalesce(func.sum(import_batches.c.new), 0).label("new"),
                func.coalesce(func.sum(import_batches.c.duplicates), 0).label("duplicates"),
                func.coalesce(func.sum(import_batches.c.warnings), 0).label("warnings"),
            )
            .outerjoin(import_batches, import_batches.c.import_id == imports.c.id)
            .where(imports.c.case_id == case_id)
            .group_by(*imports.c)
            .order_by(imports.c.started_at)
        ).all()
        finished = {
            str(import_id)
            for (import_id,) in connection.execute(
                select(import_batches.c.import_id).where(import_batches.c.final).distinct()
            )
        }
    return [
        {
            "id": row.id,
            "source": row.source_name,
            "input_name": row.input_name,
            "input_sha256": row.input_sha256,
            "started_at": row.started_at,
            "records": row.expected_records,
            "stored_through": int(row.stored),
            "new": int(row.new),
            "duplicates": int(row.duplicates),
            "warnings": int(row.warnings),
            "status": "complete" if row.id in finished else "unfinished",
        }
        for row in rows
    ]


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None
