"""Names and texts the main window and its panels share."""

from certifier.run.verdict import CERTIFIED, CONDITIONAL

RECENT_MAX = 8
PREVIEW_INVENTORY_ROWS = 100  # the exported reports keep the whole inventory
HISTORY_COLUMNS = ("id", "finished_at", "course_title", "verdict_shown", "failed", "profile")
VERDICT_STYLES = {CERTIFIED: "#1e7d32", CONDITIONAL: "#b26a00"}
NO_CHARTS = (
    "No charts yet. Run the checks: probes draw media bitrates, page-load waterfalls and, with a "
    "sites file (capacity.sites_file), learners per site."
)
NOT_RUN = "Not run yet: open a course and press Run (Ctrl+R)."
OTHER_PROFILE = "Other profile file…"
EXPORT_FORMATS = {
    "html": "HTML report (*.html)",
    "pdf": "PDF report (*.pdf)",
    "json": "JSON report (*.json)",
    "junit": "JUnit XML (*.xml)",
}
RUNNING = "Running the checks… the verdict appears when they finish."
EXTENSION_FORMATS = {".json": "json", ".html": "html", ".htm": "html", ".pdf": "pdf", ".xml": "junit"}
FORMAT_EXTENSIONS = {"json": ".json", "html": ".html", "pdf": ".pdf", "junit": ".xml"}


def export_target(path: str, chosen_format: str) -> tuple[str, str]:
    """The format follows the extension typed; with no known extension, the chosen type's is added.
    (A file named .pdf always holds a PDF, whatever the type box said.)"""
    suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if suffix in EXTENSION_FORMATS:
        return path, EXTENSION_FORMATS[suffix]
    return path + FORMAT_EXTENSIONS[chosen_format], chosen_format
