import pytest

from hexabuilders import login_throttle

pytestmark = pytest.mark.django_db


def _fail_sign_in(client, times):
    for _attempt in range(times):
        client.post("/admin/login/", {"username": "staff", "password": "wrong"})


def test_admin_login_locks_after_repeated_failures(client, staff_user):
    _fail_sign_in(client, login_throttle.MAX_FAILURES)
    response = client.post(
        "/admin/login/", {"username": "staff", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 200


def test_admin_login_lock_keeps_user_signed_out(client, staff_user):
    _fail_sign_in(client, login_throttle.MAX_FAILURES)
    client.post("/admin/login/", {"username": "staff", "password": "correct-horse-battery-staple"})
    assert "_auth_user_id" not in client.session


def test_admin_login_accepts_password_below_failure_limit(client, staff_user):
    _fail_sign_in(client, login_throttle.MAX_FAILURES - 1)
    client.post("/admin/login/", {"username": "staff", "password": "correct-horse-battery-staple"})
    assert "_auth_user_id" in client.session
