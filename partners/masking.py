"""Masking of payout details for readers who may see that they exist but not copy them.

The API shows every reader masked values, and the portal shows them to viewers.
"""

from __future__ import annotations

from dataclasses import dataclass

from partners.models import Partner

MASK = "*"


def mask_tail(value: str, visible: int = 4) -> str:
    """Return ``value`` with every character but the last ``visible`` replaced by ``*``."""
    if len(value) <= visible:
        return MASK * len(value)
    return MASK * (len(value) - visible) + value[-visible:]


def mask_email(value: str) -> str:
    """Return the e-mail with the local part hidden except its first character."""
    if not value:
        return ""
    local, at, domain = value.partition("@")
    if not at:
        return mask_tail(value)
    return f"{local[:1]}{MASK * 3}@{domain}"


@dataclass(frozen=True)
class MaskedPayout:
    """A partner's account numbers with all but their ends hidden."""

    iban: str
    paypal_email: str
    bank_account_number: str


def masked_payout(partner: Partner) -> MaskedPayout:
    return MaskedPayout(
        iban=mask_tail(partner.iban),
        paypal_email=mask_email(partner.paypal_email),
        bank_account_number=mask_tail(partner.bank_account_number),
    )
