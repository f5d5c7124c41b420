from django.core.management.base import BaseCommand, CommandError

from workflows.history import iter_chain_problems
from workflows.models import HistoryEvent


class Command(BaseCommand):
    help = "Check the hash chain of the history log and name the first broken link."

    def handle(self, *args, **options) -> None:
        problem = next(iter_chain_problems(), None)
        if problem is not None:
            raise CommandError(f"History chain broken at event {problem.event_id}: {problem.problem}.")
        self.stdout.write(self.style.SUCCESS(f"History chain intact: {HistoryEvent.objects.count()} events."))
