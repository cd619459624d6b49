"""Accounts: staff set-up, registration, verification, sign-in and password reset."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import EmailStr, TypeAdapter, ValidationError
from tortoise.transactions import in_transaction

from booking.errors import InvalidInput
from booking.passwords import hash_password, validate_password
from models import User, blind_index, normalise_email

_email_adapter = TypeAdapter(EmailStr)


def clean_email(email: str, field: str = "email") -> str:
    """The normalised address, or InvalidInput naming the field."""
    candidate = normalise_email(email or "")
    try:
        _email_adapter.validate_python(candidate)
    except ValidationError:
        raise InvalidInput({field: ["Enter a valid email address."]}) from None
    return candidate


async def find_user_by_email(email: str) -> User | None:
    return await User.get_or_none(email_index=blind_index(email))


async def create_or_promote_staff(
    *, email: str, first_name: str, last_name: str, password: str
) -> tuple[User, bool]:
    """Create a verified staff user, or promote the existing one and set its password."""
    address = clean_email(email)
    validate_password(password)
    password_hash = await hash_password(password)
    now = datetime.now(UTC)
    async with in_transaction() as conn:
        user = (
            await User.filter(email_index=blind_index(address))
            .using_db(conn)
            .select_for_update()
            .first()
        )
        if user is None:
            user = await User.create(
                email=address,
                email_index=blind_index(address),
                first_name=first_name,
                last_name=last_name,
                password_hash=password_hash,
                is_staff=True,
                email_verified_at=now,
                using_db=conn,
            )
            return user, True
        user.is_staff = True
        user.is_active = True
        user.password_hash = password_hash
        user.email_verified_at = user.email_verified_at or now
        if first_name:
            user.first_name = first_name
        if last_name:
            user.last_name = last_name
        await user.save(using_db=conn)
        return user, False
