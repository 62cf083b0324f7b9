"""首页's content kept rendered under the fingerprint of ``home`` (placements.rendered, issue 16: the template was
about half of the page's CPU).

``templates/dashboard/_index.html`` reads ``home`` (dashboard.selectors.HomePage) and nothing else; ``home`` is read
from the database (and dashboard.homecache) on every request as before, so whatever changes what the page shows
changes the fingerprint, and the kept content is never stale, only unused.
"""

from django.utils.safestring import SafeString

from placements.rendered import KeptContent, Unknown, fingerprint

__all__ = ["HOME", "Unknown", "fingerprint", "forget", "home_content"]

HOME = KeptContent("dashboard/_index.html", kept=64)


def home_content(home) -> SafeString:
    """The rendered content of ``home``: kept, or rendered now (and kept when its fingerprint could be taken)."""
    return HOME.render({"home": home})


def forget() -> None:
    """Drop every kept content (tests)."""
    HOME.forget()
