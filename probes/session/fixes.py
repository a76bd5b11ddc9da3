"""Fixes in the words of the tool that made the course: where its author changes what the session
found (completion never reported, resume data beyond the standard's limit). A course from a tool
not listed here gets the standard's own wording from the rule."""

from __future__ import annotations

from collections.abc import Mapping

# Tool names as the authoring-tool detection gives them (certifier/package/authoring_tools.py).
COMPLETION: Mapping[str, str] = {
    "Articulate Storyline": "In Storyline, Publish › LMS › Reporting and Tracking: track the course by the number of "
    "slides viewed or by a results slide, and report 'Completed/Incomplete' or "
    "'Passed/Incomplete'.",
    "Articulate Rise 360": "In Rise 360, Publish › LMS: set Tracking to course completion (a percentage of lessons "
    "viewed) or to a quiz result.",
    "Adobe Captivate": "In Captivate, Preferences › Quiz › Reporting: set the completion criteria (slide views or "
    "quiz) and the status representation 'Incomplete → Complete'.",
    "iSpring": "In iSpring, Publish › LMS › Customize: complete the course by slides viewed or by the quiz result.",
    "Adapt": "In the course's config.json, turn on _spoor._tracking._requireCourseCompleted and check that the last "
    "page's components can be completed.",
    "Lectora": "In Lectora, add an action on the last page that sets the lesson status to completed (or use the "
    "title's completion settings), and publish for the LMS.",
}
DATA_LIMITS: Mapping[str, str] = {
    "Articulate Storyline": "In Storyline, publish for SCORM 2004 4th Edition (an LMS must keep 64,000 characters "
    "of resume data), and keep fewer slide states and variables for resume.",
    "Adobe Captivate": "In Captivate, publish for SCORM 2004 4th Edition (64,000 characters of suspend_data), and "
    "reduce the slides and interactions whose state is kept for resume.",
    "iSpring": "In iSpring, publish for SCORM 2004 4th Edition (64,000 characters of suspend_data).",
    "Adapt": "In Adapt, publish for SCORM 2004 4th Edition, or track fewer components in Spoor's state.",
}


def for_tool(table: Mapping[str, str], tool: str | None, default: str) -> str:
    """The tool's own fix when it is known (``tool`` is its label: name and version), else ``default``."""
    for name, fix in table.items():
        if tool and tool.startswith(name):
            return fix
    return default
