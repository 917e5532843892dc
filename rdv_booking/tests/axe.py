"""axe-core for the browser tours of the back office and of the website.

axe-core is the npm package installed in var/node by scripts/ensure_deps.sh
(pinned in scripts/node-packages.txt); the tours load it from ``AXE_URL``, an
address that :meth:`AxeTourMixin.fetch_proxy` answers (see
static/tests/tours/rdv_axe.js).
"""

import base64
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = Path(
    os.environ.get("RDV_AXE_CORE")
    or REPO_ROOT / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
)
# Not a real host: the browser's requests outside loopback go to fetch_proxy().
AXE_URL = "https://axe-core.rdv.invalid/axe.min.js"


class AxeTourMixin:
    """For an ``HttpCase``: axe-core served to the tours, a test that fails
    loudly when it is not installed, and room for its checks in the tours'
    time limit."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.axe_source = AXE_PATH.read_bytes() if AXE_PATH.is_file() else None

    def setUp(self):
        super().setUp()
        if not self.axe_source:
            pinned = REPO_ROOT / "scripts" / "node-packages.txt"
            spec = next(
                (line.strip() for line in pinned.open() if line.startswith("axe-core@")),
                "axe-core",
            )
            self.fail(
                "axe-core is not installed (%s not found): the accessibility checks of the "
                "tours need it. Install it with scripts/ensure_deps.sh test, or: "
                "npm install --prefix var/node %s" % (AXE_PATH, spec)
            )

    def start_tour(self, url_path, tour_name, step_delay=None, **kwargs):
        # The tours run axe-core at several steps: Odoo's 60 s default is too
        # close on a loaded 2-core machine.
        kwargs.setdefault("timeout", 180)
        return super().start_tour(url_path, tour_name, step_delay, **kwargs)

    def fetch_proxy(self, url):
        """Serve axe-core to the tours; anything else outside loopback as Odoo does."""
        if url == AXE_URL:
            return {
                "body": base64.b64encode(self.axe_source).decode(),
                "responseCode": 200,
                "responseHeaders": [
                    {"name": "Content-Type", "value": "application/javascript"},
                    {"name": "Cache-Control", "value": "max-age=3600"},
                ],
            }
        return super().fetch_proxy(url)
