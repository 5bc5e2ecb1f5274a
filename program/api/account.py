"""The signed-in person: ``GET /me``."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from accounts.models import User
from program.api.common import (
    _user,
)

router = Router()


class Me(Schema):
    id: int
    email: str
    name: str
    role: str
    time_zone: str


@router.get("/me", response=Me, tags=["account"])
def me(request: HttpRequest) -> User:
    return _user(request)
