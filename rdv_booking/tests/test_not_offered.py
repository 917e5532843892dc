import contextlib
import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import tagged

from ..models.rdv_appointment import BookingError, SlotTakenError
from .common import RdvCase, utc

# Tuesday 3 March 2026 00:00 in Paris (UTC+1), the day after the frozen now.
TUESDAY = utc(2026, 3, 2, 23, 0)


class Rollback(Exception):
    pass


@tagged("post_install", "-at_install")
class TestNotOfferedIsNotTaken(RdvCase):
    """The booking service tells a time nobody offered (a closed day, before
    opening, off the grid, suspended) from a time someone took meanwhile: only
    the second is "taken"."""

    @contextlib.contextmanager
    def undone(self):
        with contextlib.suppress(Rollback), self.env.cr.savepoint():
            yield
            raise Rollback

    @settings(max_examples=40, deadline=None)
    @given(minutes=st.integers(min_value=0, max_value=5 * 24 * 60 - 1))
    def test_any_time_is_booked_or_not_offered(self, minutes):
        start = TUESDAY + datetime.timedelta(minutes=minutes)
        offered = self.env["rdv.slot"].search_count(
            [
                ("counter_id", "=", self.counter.id),
                ("start", "in", [start, start + datetime.timedelta(minutes=15)]),
            ]
        )
        with self.undone():
            try:
                appointment = self.book(start)
            except SlotTakenError as error:
                self.fail("nobody took %s, yet: %s" % (start, error))
            except BookingError as error:
                self.assertEqual(error.code, "not_offered", str(error))
                self.assertLess(offered, 2)
            else:
                self.assertEqual((appointment.start, offered), (start, 2))

    def test_taken_is_taken_and_closed_is_not_offered(self):
        self.book(utc(2026, 3, 3, 8, 0))
        with self.assertRaises(SlotTakenError) as taken:
            self.book(utc(2026, 3, 3, 8, 0), lastname="Aulan", phone="0611111111")
        self.assertEqual(taken.exception.code, "taken")
        sunday_9 = utc(2026, 3, 8, 8, 0)
        for start in (sunday_9, utc(2026, 3, 3, 6, 37)):
            with self.assertRaises(BookingError) as closed:
                self.book(start, lastname="Aulan", phone="0611111111")
            self.assertEqual(closed.exception.code, "not_offered")
            self.assertIn("is not offered at", str(closed.exception))
        suspended = utc(2026, 3, 4, 8, 0)
        self.env["rdv.slot"].search(
            [("counter_id", "=", self.counter.id), ("start", "=", suspended)]
        ).action_suspend()
        with self.assertRaises(BookingError) as blocked:
            self.book(suspended, lastname="Aulan", phone="0611111111")
        self.assertEqual(blocked.exception.code, "not_offered")
