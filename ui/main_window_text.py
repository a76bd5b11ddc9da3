"""Names and texts the main window and its panels share."""

from certifier.run.verdict import CERTIFIED, CONDITIONAL

RECENT_MAX = 8
PREVIEW_INVENTORY_ROWS = 100  # the exported reports keep the whole inventory
HISTORY_COLUMNS = ("id", "finished_at", "course_title", "verdict", "failed", "profile")
VERDICT_STYLES = {CERTIFIED: "#1e7d32", CONDITIONAL: "#b26a00"}
NO_CHARTS = ("No charts yet. Run the checks: probes draw media bitrates, page-load waterfalls and, with a "
             "sites file (capacity.sites_file), learners per site.")
NOT_RUN = "Not run yet: open a course and press Run (Ctrl+R)."
OTHER_PROFILE = "Other profile file…"
EXPORT_FORMATS = {"html": "HTML report (*.html)", "pdf": "PDF report (*.pdf)", "json": "JSON report (*.json)",
                  "junit": "JUnit XML (*.xml)"}
