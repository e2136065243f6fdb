"""Demo data for the quick start: a staff admin and a dozen partners with members and keys.

Tax ids are fictional bases completed with the check digits each country's
algorithm gives, so they pass the same validation as real ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from stdnum.ar import cuit
from stdnum.br import cnpj
from stdnum.cl import rut
from stdnum.co import nit
from stdnum.es import cif
from stdnum.mx import rfc
from stdnum.pe import ruc

from partners import services
from partners.models import ApiKey, Partner, PartnerContact, PartnerMember

DEMO_PASSWORD = "hexabuilders-demo"
ADMIN_USERNAME = "admin"


@dataclass(frozen=True)
class DemoPartner:
    legal_name: str
    display_name: str
    kind: str
    country: str
    tax_id: str
    city: str
    phone: str
    currency: str
    commission: str
    joined_on: dt.date
    status: str
    member_email: str
    member_name: str


def _demo_partners() -> list[DemoPartner]:
    kinds = Partner.Kind
    statuses = Partner.Status
    return [
        DemoPartner(
            "Comercializadora Andina S.A.S.",
            "Andina Store",
            kinds.AFFILIATE,
            "CO",
            "900123456" + nit.calc_check_digit("900123456"),
            "Cali",
            "+57 602 555 0199",
            "COP",
            "11",
            dt.date(2024, 6, 18),
            statuses.ACTIVE,
            "ana.rojas@andina.example",
            "Ana Rojas",
        ),
        DemoPartner(
            "Viajes del Pacífico S.A.S.",
            "Pacífico Viajes",
            kinds.RESELLER,
            "CO",
            "901234567" + nit.calc_check_digit("901234567"),
            "Medellín",
            "+57 604 555 0142",
            "COP",
            "9.5",
            dt.date(2024, 2, 3),
            statuses.ACTIVE,
            "carlos.mejia@pacifico.example",
            "Carlos Mejía",
        ),
        DemoPartner(
            "Laura Gómez Peña",
            "Lau Viaja",
            kinds.INFLUENCER,
            "CO",
            "1020345678" + nit.calc_check_digit("1020345678"),
            "Bogotá",
            "+57 310 555 0101",
            "COP",
            "15",
            dt.date(2024, 5, 5),
            statuses.ACTIVE,
            "laura@lauviaja.example",
            "Laura Gómez",
        ),
        DemoPartner(
            "Medios Digitales del Norte S.A. de C.V.",
            "MDN Agencia",
            kinds.AGENCY,
            "MX",
            "MDN150312K5" + rfc.calc_check_digit("MDN150312K5"),
            "Monterrey",
            "+52 81 5555 0123",
            "MXN",
            "12",
            dt.date(2024, 3, 12),
            statuses.ACTIVE,
            "sofia.garza@mdn.example",
            "Sofía Garza",
        ),
        DemoPartner(
            "Ofertas Express S.A. de C.V.",
            "Ofertas Express",
            kinds.AFFILIATE,
            "MX",
            "OEX180601AB" + rfc.calc_check_digit("OEX180601AB"),
            "Guadalajara",
            "+52 33 5555 0188",
            "MXN",
            "8",
            dt.date(2024, 7, 1),
            statuses.ONBOARDING,
            "diego.lopez@ofertas.example",
            "Diego López",
        ),
        DemoPartner(
            "Marketing Austral SpA",
            "Austral",
            kinds.AGENCY,
            "CL",
            "76543210-" + rut.calc_check_digit("76543210"),
            "Santiago",
            "+56 2 2555 0100",
            "CLP",
            "12",
            dt.date(2024, 8, 9),
            statuses.ACTIVE,
            "valentina.soto@austral.example",
            "Valentina Soto",
        ),
        DemoPartner(
            "Tecnología Rioplatense S.A.",
            "TecnoRío",
            kinds.RESELLER,
            "AR",
            "3071234567" + cuit.calc_check_digit("3071234567"),
            "Buenos Aires",
            "+54 11 5555 0177",
            "ARS",
            "10",
            dt.date(2024, 4, 22),
            statuses.ACTIVE,
            "martin.fernandez@tecnorio.example",
            "Martín Fernández",
        ),
        DemoPartner(
            "Inka Ventures S.A.C.",
            "Inka Ventures",
            kinds.AFFILIATE,
            "PE",
            "2060123456" + ruc.calc_check_digit("2060123456"),
            "Lima",
            "+51 1 555 0133",
            "PEN",
            "9",
            dt.date(2024, 9, 30),
            statuses.SUSPENDED,
            "rosa.quispe@inka.example",
            "Rosa Quispe",
        ),
        DemoPartner(
            "Conecta Brasil Marketing Ltda.",
            "Conecta",
            kinds.AGENCY,
            "BR",
            "112223330001" + cnpj.calc_check_digits("112223330001"),
            "São Paulo",
            "+55 11 5555 0166",
            "BRL",
            "13",
            dt.date(2024, 10, 14),
            statuses.ACTIVE,
            "joao.silva@conecta.example",
            "João Silva",
        ),
        DemoPartner(
            "Reservas Ibéricas S.L.",
            "Reservas Ibéricas",
            kinds.RESELLER,
            "ES",
            "B8765432" + cif.calc_check_digits("B8765432")[1],
            "Madrid",
            "+34 910 555 012",
            "EUR",
            "7.5",
            dt.date(2024, 1, 15),
            statuses.ACTIVE,
            "lucia.martin@reservas.example",
            "Lucía Martín",
        ),
        DemoPartner(
            "Estilo Caribe Creadores S.A.S.",
            "Estilo Caribe",
            kinds.INFLUENCER,
            "CO",
            "901555321" + nit.calc_check_digit("901555321"),
            "Barranquilla",
            "+57 605 555 0177",
            "COP",
            "14",
            dt.date(2024, 11, 2),
            statuses.APPLICANT,
            "camila.pardo@estilocaribe.example",
            "Camila Pardo",
        ),
        DemoPartner(
            "Cupones de la Sabana S.A.S.",
            "Cupones Sabana",
            kinds.AFFILIATE,
            "CO",
            "900987654" + nit.calc_check_digit("900987654"),
            "Bogotá",
            "+57 601 555 0155",
            "COP",
            "10.25",
            dt.date(2024, 12, 1),
            statuses.ACTIVE,
            "andres.ruiz@cuponesabana.example",
            "Andrés Ruiz",
        ),
    ]


@dataclass(frozen=True)
class DemoResult:
    admin_username: str
    password: str
    partners_created: int
    sample_member_email: str


def _user(model, *, username, email, first_name="", last_name="", **flags):
    user, created = model.objects.get_or_create(
        username=username,
        defaults={"email": email, "first_name": first_name, "last_name": last_name, **flags},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _advance(partner: Partner, target: str, actor) -> None:
    statuses = Partner.Status
    if target == statuses.APPLICANT:
        return
    if target == statuses.ONBOARDING:
        services.start_onboarding(partner=partner, actor=actor)
        return
    services.activate_partner(partner=partner, actor=actor)
    if target == statuses.SUSPENDED:
        services.suspend_partner(partner=partner, actor=actor, reason="Demo suspension")


@transaction.atomic
def load_demo_data() -> DemoResult:
    """Create the demo users and partners; running it again changes nothing."""
    user_model = get_user_model()
    admin = _user(
        user_model,
        username=ADMIN_USERNAME,
        email="admin@hexabuilders.example",
        first_name="Admin",
        is_staff=True,
        is_superuser=True,
    )
    created = 0
    for index, demo in enumerate(_demo_partners()):
        partner = Partner.objects.filter(
            country=demo.country, tax_id__in=[demo.tax_id, demo.tax_id.replace("-", "")]
        ).first()
        if partner is not None:
            continue
        partner = services.create_partner(
            actor=admin,
            legal_name=demo.legal_name,
            display_name=demo.display_name,
            kind=demo.kind,
            country=demo.country,
            tax_id=demo.tax_id,
            email=demo.member_email,
            phone=demo.phone,
            city=demo.city,
            default_currency=demo.currency,
            commission_rate=Decimal(demo.commission),
            joined_on=demo.joined_on,
            account_manager=admin,
            tier=[Partner.Tier.GOLD, Partner.Tier.SILVER, Partner.Tier.STANDARD][index % 3],
        )
        _advance(partner, demo.status, admin)
        first, _space, last = demo.member_name.partition(" ")
        user = _user(
            user_model,
            username=demo.member_email,
            email=demo.member_email,
            first_name=first,
            last_name=last,
        )
        services.add_member(partner=partner, user=user, role=PartnerMember.Role.OWNER, actor=admin)
        PartnerContact.objects.create(
            partner=partner,
            name=demo.member_name,
            role="Gerente de alianzas",
            email=demo.member_email,
            phone=demo.phone,
            is_primary=True,
        )
        if demo.status == Partner.Status.ACTIVE:
            services.create_api_key(
                partner=partner, actor=admin, name="Demo", scope=ApiKey.Scope.WRITE
            )
        created += 1
    return DemoResult(
        admin_username=ADMIN_USERNAME,
        password=DEMO_PASSWORD,
        partners_created=created,
        sample_member_email=_demo_partners()[0].member_email,
    )
