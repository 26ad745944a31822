"""Spreadsheet imports (issue 16): a whole file applied through the same rules as the API,
or nothing.

``run_import`` reads a file (``sheets.reader``: a hostile or unreadable file is refused with
``SheetRefused`` before anything else), finds the sheet and its columns by the kind's layout
(``sheets.layouts``), and checks **every** row on in-memory copies of the aggregates with their
own methods — the refusals are the ``DomainError``\\ s the API answers, each turned into a
problem naming the sheet, row, column and value (:class:`ImportProblem`; its ``message`` is the
msgid, translated where it is shown). All problems are collected (up to ``MAX_PROBLEMS``), not
only the first.

A dry run answers what would be created and the problems, and records nothing: no event, no
personal-data key (people are checked unsealed), nothing. A commit records only a file without
problems: every new event of every aggregate it touches, and the import's own record
(``domain.imports.SpreadsheetImport``), saved in **one** transaction (``Application.save`` of
all of them). A concurrent change of one of them (a judge's mark on the competition, the same
person registered meanwhile) makes that save fail on its version as a whole; the import is
then checked again on a fresh read (the writer's ``Retry`` policy) and either applied whole or
refused — never half a file. The same file again (its SHA-256, the kind and the competition
name the record) answers the first import's answer and records nothing new.

What each kind does, row by row (the layouts are ``sheets.layouts.LAYOUTS``):

* ``participants`` — an entrant list: each row's organisation is found by its natural key
  (region + Russian name; the competition's region when the cell is blank) or registered; the
  person is identified by the rules of ``register_participant`` (``domain.participant.identify``):
  a namesake whose birth date, or the row's, is unknown is a ``possible-duplicate`` problem
  of the row unless its participant-id cell names that person (or says ``new`` for another
  one); then the person is entered into the competition (without a competition: only
  registered).
* ``experts`` — existing accounts (by name or id) assigned with their role and organisation
  (which must be registered): ``assign_expert``'s rules (the account's role, one chief, not
  twice with another role, a revoked account), and the scope granted.
* ``scheme`` — the marking scheme (``set_scheme``): each aspect checked by the scheme rules,
  then the whole (the total of 100.00, frozen once marked).
* ``marks`` — the caller's own marks (``enter_marks`` as that expert): one row per competitor
  (full name or participant id), one column per aspect id; ranges, conflicts of interest, an
  existing different mark; a mark identical to one held is no problem (and records nothing).

The package, by job (the names above are importable from it):

* ``answer`` — :class:`ImportAnswer`, :class:`ImportProblem`, ``KINDS``, ``COUNTS``,
  :func:`file_sha256`, :func:`problem_of_refusal` and :func:`check_import_allowed`;
* ``run`` — :func:`run_import`: the same file recognised, the file read, its kind's planner
  (``_PLANNERS``), the one transaction;
* ``checking`` — the bookkeeping of one attempt: the problems, the plan, the sheet's
  context and its rows;
* ``cells`` — cell values as the rules read them, and the layout's column keys;
* ``organisations`` — organisations as the rows name them (found, or registered);
* ``participants``, ``experts``, ``scheme``, ``marks`` — each kind's planner,
  ``_plan_<kind>(context, competition, plan)``.
"""

from __future__ import annotations

from registry.imports.answer import (
    COUNTS,
    KINDS,
    MAX_PROBLEMS,
    ImportAnswer,
    ImportProblem,
    check_import_allowed,
    file_sha256,
    problem_of_refusal,
)
from registry.imports.checking import PROGRESS_EVERY
from registry.imports.run import run_import
from sheets.reader import SheetRefused

__all__ = [
    "COUNTS",
    "KINDS",
    "MAX_PROBLEMS",
    "PROGRESS_EVERY",
    "ImportAnswer",
    "ImportProblem",
    "SheetRefused",
    "check_import_allowed",
    "file_sha256",
    "problem_of_refusal",
    "run_import",
]
