"""The statistics rollup (docs/adr/0015-statistics-rollup.md): the figures of the public
statistics counted per UTC day, so that a page sums a year of days instead of scanning a
million requests. Derived data only: `transparency.rollup` rebuilds it from the requests,
and nothing else writes it."""

from __future__ import annotations

from django.db import models


class DailyFigure(models.Model):
    """How many requests of one committee, on one UTC day, counted for one measure (submitted
    that day, decided that day, …), by the applicant's institution country and type; for the
    measure "timed", also by the days from routing to decision, in tenths of a day."""

    day = models.DateField()
    # The request's lead committee (`lead`), or a later committee of a request spanning
    # committees (not `lead`): overall figures add the lead rows only, so such a request
    # counts once overall and once in each of its committees' columns.
    committee = models.ForeignKey(
        "accounts.Committee", null=True, on_delete=models.CASCADE, related_name="+"
    )
    lead = models.BooleanField()
    measure = models.CharField(max_length=32)
    country = models.CharField(max_length=2, blank=True)
    institution_type = models.CharField(max_length=30, blank=True)
    tenths = models.IntegerField(null=True)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["day", "committee"], name="daily_figure_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.committee_id} {self.measure}: {self.count}"


class RollupState(models.Model):
    """One row: the rollup holds every day before `complete_until` (UTC); the pages count
    what happened since then from the requests themselves."""

    complete_until = models.DateField()
    refreshed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"complete until {self.complete_until}"
