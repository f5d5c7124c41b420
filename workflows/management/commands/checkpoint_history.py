from django.core.management.base import BaseCommand

from workflows.checkpoints import checkpoint_all


class Command(BaseCommand):
    help = "Write signed checkpoints of every history chain head that moved since the last checkpoint."

    def handle(self, *args, **options) -> None:
        written = checkpoint_all()
        if not written:
            self.stdout.write("No chain moved since the last checkpoint.")
        for checkpoint in written:
            self.stdout.write(
                self.style.SUCCESS(f"Checkpoint {checkpoint.pk}: {len(checkpoint.heads)} chain heads signed.")
            )
