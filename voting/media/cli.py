"""`flask --app voting media ...`: queue the image job for photos it has not
finished (photos moved from before this pipeline, or whose job was lost),
and find stored files that no photo names."""

from __future__ import annotations

import click
from flask.cli import AppGroup

media = AppGroup("media", help="Entries' photos.")


@media.command("process")
@click.option("--contest", "contest_slug", help="Only this contest's photos.")
def process(contest_slug: str | None):
    """Queue the image job for every photo not `ready` (thumbnails, hash, near-duplicates)."""
    from voting.cli import contest_or_exit
    from voting.media import photos

    contest_id = contest_or_exit(contest_slug).id if contest_slug else None
    waiting = photos.unfinished(contest_id)
    for photo in waiting:
        photos.queue_job(photo.id, photo.display_key, photo.contest_id)
    click.echo(f"queued {len(waiting)} photo job(s)")


@media.command("orphans")
@click.option("--delete", is_flag=True, help="Delete them.")
def orphans(delete: bool):
    """List stored files no photo names (a crash between storing and committing leaves them)."""
    from voting.media import photos
    from voting.media.storage import storage

    found = photos.orphan_keys()
    for key in found:
        click.echo(key)
        if delete:
            storage().delete(key)
    click.echo(f"{len(found)} orphan file(s){' deleted' if delete and found else ''}", err=True)
