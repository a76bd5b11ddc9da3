"""Every run's report kept in SQLite (WAL, one transaction per run): the resubmission record."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from certifier.errors import CertifierError
from certifier.host.userdirs import data_dir

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    run_id TEXT UNIQUE NOT NULL,
    recorded_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    course_title TEXT NOT NULL,
    package_name TEXT NOT NULL,
    package_sha256 TEXT,
    verdict TEXT NOT NULL,
    profile TEXT NOT NULL,
    report_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS findings (
    run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    rule_id TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    measured TEXT
);
CREATE INDEX IF NOT EXISTS findings_by_run ON findings(run);
CREATE TABLE IF NOT EXISTS signoffs (
    run_id TEXT NOT NULL,
    decision_index INTEGER NOT NULL,
    reviewer TEXT NOT NULL,
    decision TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (run_id, decision_index, signature)
);
CREATE INDEX IF NOT EXISTS runs_by_course ON runs(course_title, package_name);
"""
BUSY_TIMEOUT_S = 10


def default_path() -> Path:
    return data_dir() / "history.sqlite3"


class History:
    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise CertifierError(f"The run history {self.path} cannot be opened: {exc}") from exc

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record_signoff(self, report: dict[str, Any]) -> None:
        """Remember the report's last signed decision: a later copy with it removed is caught."""
        signature = report["signatures"][-1]
        decision = report["decisions"][signature["decision_index"]]
        with self._db:
            self._db.execute(
                "INSERT OR IGNORE INTO signoffs VALUES (?, ?, ?, ?, ?, ?)",
                (
                    report["run"]["id"],
                    signature["decision_index"],
                    decision["reviewer"],
                    decision["decision"],
                    signature["fingerprint"],
                    signature["signature"],
                ),
            )

    def signoffs(self, run_id: str) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT decision_index, reviewer, decision, fingerprint, signature FROM signoffs "
            "WHERE run_id = ? ORDER BY decision_index",
            (run_id,),
        ).fetchall()
        return [
            dict(zip(("decision_index", "reviewer", "decision", "fingerprint", "signature"), r, strict=False))
            for r in rows
        ]

    def store(self, report: dict[str, Any]) -> int:
        """Record a run; all of it or nothing (a crash mid-write leaves no partial run)."""
        package = report["package"]
        with self._db:  # one transaction: committed at the end, rolled back on any error
            cursor = self._db.execute(
                "INSERT OR REPLACE INTO runs (run_id, recorded_at, finished_at, course_title, package_name, "
                "package_sha256, verdict, profile, report_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    report["run"]["id"],
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    report["run"]["finished_at"],
                    package.get("title") or package.get("name") or "",
                    package.get("name") or "",
                    package.get("sha256"),
                    report["verdict"],
                    report["profile"]["name"],
                    json.dumps(report),
                ),
            )
            run = cursor.lastrowid
            if run is None:  # sqlite always gives the row id of an INSERT; said plainly if not
                raise sqlite3.DatabaseError("the run was not recorded")
            self._db.executemany(
                "INSERT INTO findings (run, rule_id, status, severity, measured) VALUES (?, ?, ?, ?, ?)",
                [
                    (run, f["rule_id"], f["status"], f["severity"], json.dumps(f.get("measured")))
                    for f in report["findings"]
                ],
            )
        return run

    def runs(self, course: str | None = None) -> list[dict[str, Any]]:
        query = (
            "SELECT id, finished_at, course_title, package_name, package_sha256, verdict, profile, "
            "(SELECT COUNT(*) FROM findings WHERE run = runs.id AND status = 'fail'), "
            "json_extract(report_json, '$.run.status') FROM runs"
        )
        args: tuple[Any, ...] = ()
        if course:
            query += " WHERE course_title LIKE ? OR package_name LIKE ? OR package_sha256 LIKE ?"
            args = (f"%{course}%", f"%{course}%", f"{course}%")
        rows = self._db.execute(query + " ORDER BY finished_at DESC, id DESC", args).fetchall()
        keys = (
            "id",
            "finished_at",
            "course_title",
            "package_name",
            "package_sha256",
            "verdict",
            "profile",
            "failed",
            "status",
        )
        runs = [dict(zip(keys, row, strict=False)) for row in rows]
        for run in runs:  # a cancelled run's verdict covers only what ran: said wherever it is listed
            run["verdict_shown"] = run["verdict"] + (" (cancelled)" if run["status"] == "cancelled" else "")
        return runs

    def report(self, run_id: int) -> dict[str, Any]:
        row = self._db.execute("SELECT report_json FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise CertifierError(f"No run {run_id} in the history ({self.path}).")
        report: dict[str, Any] = json.loads(row[0])
        return report

    def count(self) -> tuple[int, int]:
        return (
            self._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0],
            self._db.execute("SELECT COUNT(*) FROM findings").fetchone()[0],
        )
