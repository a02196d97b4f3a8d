"""`manage.py create_api_token USERNAME [--name N] [--days D] [--read-only]`: the token alone
on the last line of stdout, so scripts can take it with `| tail -n1`. A person who must use a
second factor gets a token only once one is confirmed (accounts.two_factor)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import api_token_create
from dac_portal.errors import ApplicationError


class Command(BaseCommand):
    help = "Create a personal API token for a user and print it (shown once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line")
        parser.add_argument("--days", type=int, default=None)
        parser.add_argument(
            "--read-only",
            action="store_true",
            help="The token may only read (GET); any other method is refused.",
        )

    def handle(
        self,
        *args: Any,
        username: str,
        name: str,
        days: int | None,
        read_only: bool = False,
        **options: Any,
    ) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        try:
            token, raw = api_token_create(
                user=user, name=name, days=days, read_only=read_only, actor=user
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(
            f"Token “{token.name}” ({token.scope}) for {username}, "
            f"expires {token.expires_at:%Y-%m-%d}."
        )
        self.stdout.write(raw)
