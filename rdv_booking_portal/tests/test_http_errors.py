import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestJsonRpcErrors(HttpCase):
    """Odoo's JSON-RPC errors carry their traceback; a visitor's never do."""

    def call(self, params):
        # Odoo logs each of these errors: expected here.
        with mute_logger("odoo.http"):
            response = self.url_open(
                "/web/dataset/call_kw",
                data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}),
                headers={"Content-Type": "application/json"},
            )
        self.assertEqual(response.status_code, 200)
        return response

    def test_a_visitor_reads_no_traceback(self):
        response = self.call(
            {"model": "res.partner", "method": "read", "args": [[1], {"x": 1}], "kwargs": {}}
        )
        self.assertNotIn("Traceback", response.text)
        self.assertNotIn(".py", response.text)
        error = response.json()["error"]
        self.assertNotIn("debug", error["data"])
        # An expired or absent session keeps its name: the web client acts on it.
        self.assertTrue(error["data"]["name"])

    def test_an_unexpected_error_says_nothing_of_the_code(self):
        self.authenticate("portal", "portal")
        response = self.call(
            {"model": "res.partner", "method": "read", "args": [[1], {"x": 1}], "kwargs": {}}
        )
        error = response.json()["error"]
        self.assertNotIn("debug", error["data"])
        self.assertNotIn("Traceback", response.text)

    def test_a_back_office_user_keeps_the_traceback(self):
        self.authenticate("admin", "admin")
        response = self.call(
            {"model": "res.partner", "method": "read", "args": [[1], {"x": 1}], "kwargs": {}}
        )
        self.assertIn("Traceback", response.json()["error"]["data"]["debug"])

    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        model=st.sampled_from(["res.partner", "rdv.appointment", "ir.config_parameter", "x.y"]),
        method=st.sampled_from(["read", "search_read", "write", "unlink", "_x", "create"]),
        args=st.lists(st.one_of(st.integers(), st.text(max_size=5), st.none()), max_size=3),
    )
    def test_no_visitor_call_shows_a_traceback(self, model, method, args):
        self.authenticate("portal", "portal")
        response = self.call({"model": model, "method": method, "args": args, "kwargs": {}})
        self.assertNotIn("Traceback", response.text)
        self.assertNotIn('"debug"', response.text)
