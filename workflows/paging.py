"""Pagers for lists that may be very long: counting every match of a search through a million
events would cost more than showing the page, and reading every row of a reseller's list with
its related rows to show 25 of them would too."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

# How many rows past the page asked for are counted; a search that finds more
# says "more than" (forty pages of 25) and still pages on.
COUNT_CAP = 1_000
MAX_PAGE = 1_000_000


class CappedPaginator(Paginator):
    """Counts the rows only as far as ``cap`` rows (in whole pages, at least one) past the
    page asked for (``get_page``): below that the count is exact; past it, ``more`` is set
    and ``count`` ends with the last counted page, so that every counted page is full and the
    page asked for links to the next. Paging on moves the limit along."""

    def __init__(self, object_list, per_page: int, *, cap: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap or COUNT_CAP
        self.number = 1
        self.more = False

    def get_page(self, number) -> Page:
        try:
            # A page number beyond any list would make the limit overflow the database's
            # integers; such a page is answered with the last page, as Paginator does.
            self.number = min(max(int(number), 1), MAX_PAGE)
        except (TypeError, ValueError, OverflowError):
            self.number = 1
        return super().get_page(number)

    @cached_property
    def count(self) -> int:
        ahead = max(self.cap // self.per_page, 1)
        limit = (self.number + ahead) * self.per_page
        # Counted in the list's own order, so that the database walks the rows as it does for
        # the page and stops at the limit; in another order (a name's) the matching rows may
        # all lie at the far end of an index. One row past the limit tells there are more.
        found = self.object_list.values("pk")[: limit + 1].count()
        self.more = found > limit
        return min(found, limit)


class KeysFirst:
    """A list for a paginator that reads a page in two steps: the page's keys first, by the
    filter, the order and the limit alone (``keys``), then those rows with everything a row
    shows (``rows``: joins, prefetches, annotations). The joins and the prefetches then cost
    the same for a customer with ten requests and for a reseller with ten thousand.

    Sliced, it gives the objects of ``rows`` in the order of ``keys``; counted, it counts
    ``keys`` without its order."""

    ordered = True  # the paginator warns about unordered lists

    def __init__(self, keys: QuerySet, rows: QuerySet) -> None:
        self.keys = keys
        self.rows = rows

    def count(self) -> int:
        return self.keys.order_by().count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice):
            found = self[key : key + 1]
            if not found:
                raise IndexError(key)
            return found[0]
        pks = list(self.keys.values_list("pk", flat=True)[key])
        if not pks:
            return []
        objects = {obj.pk: obj for obj in self.rows.order_by().filter(pk__in=pks)}
        return [objects[pk] for pk in pks if pk in objects]

    def __iter__(self):
        return iter(self[:])
