from django.core.management.base import BaseCommand, CommandError

from workflows.history import BrokenLink, iter_chain_problems
from workflows.models import HistoryChainHead, HistoryCheckpoint, HistoryEvent


def describe(problem: BrokenLink) -> str:
    if problem.checkpoint_id is not None and not problem.chain:
        return f"History checkpoint {problem.checkpoint_id} broken: {problem.problem}."
    return f"History chain {problem.chain} broken at event {problem.event_id}: {problem.problem}."


class Command(BaseCommand):
    help = (
        "Check the history log: every chain's hashes, links, places and head, and the signed "
        "checkpoints; name every broken link (event, chain, checkpoint)."
    )

    def handle(self, *args, **options) -> None:
        problems = list(iter_chain_problems())
        if problems:
            for problem in problems:
                self.stderr.write(describe(problem))
            more = f" ({len(problems)} problems in all)" if len(problems) > 1 else ""
            raise CommandError(describe(problems[0]) + more)
        self.stdout.write(
            self.style.SUCCESS(
                f"History intact: {HistoryEvent.objects.count()} events in "
                f"{HistoryChainHead.objects.count()} chains, {HistoryCheckpoint.objects.count()} checkpoints."
            )
        )
