from django.core.management.base import BaseCommand

from workflows.checkpoints import write_checkpoint


class Command(BaseCommand):
    help = "Write a signed checkpoint of every history chain head that moved since the last checkpoint."

    def handle(self, *args, **options) -> None:
        checkpoint = write_checkpoint()
        if checkpoint is None:
            self.stdout.write("No chain moved since the last checkpoint.")
            return
        self.stdout.write(
            self.style.SUCCESS(f"Checkpoint {checkpoint.pk}: {len(checkpoint.heads)} chain heads signed.")
        )
