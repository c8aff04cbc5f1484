"""Signing in with a phone number and a one-time code; a citizen session is never a staff login."""

from datetime import timedelta

import pytest
from django.test import Client

from gridgov.accounts.models import Citizen
from gridgov.audit.models import AuditEntry
from gridgov.citizens.models import OneTimeCode
from gridgov.citizens.services import MAX_TRIES, SignInError, normalise_phone, verify_code
from gridgov.citizens.session import CITIZEN_ID, SHOWN_CODE

from .conftest import TUESDAY_MORNING, signed_in

pytestmark = pytest.mark.django_db

PHONE = "13912340000"
sent_messages: list[tuple[str, str]] = []


def record_sms(phone: str, text: str) -> None:
    """A stand-in SMS gateway (an outside system): remembers what would have been sent."""
    sent_messages.append((phone, text))


def ask_for_code(client: Client, phone: str = PHONE):
    return client.post("/citizen/login/", {"phone": phone})


def shown_code(client: Client) -> str:
    return client.session[SHOWN_CODE]


def enter_code(client: Client, code: str):
    return client.post("/citizen/login/code/", {"code": code})


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


class TestPhoneNumbers:
    @pytest.mark.parametrize(
        "raw, phone",
        [
            ("13912340000", "13912340000"),
            ("139 1234 0000", "13912340000"),
            ("+86 139-1234-0000", "13912340000"),
        ],
    )
    def test_a_mainland_mobile_number_is_read_in_its_usual_spellings(self, raw, phone):
        assert normalise_phone(raw) == phone

    @pytest.mark.parametrize(
        "raw", ["", "1391234000", "139123400001", "23912340000", "1391234000x", "12012340000"]
    )
    def test_anything_else_is_refused_with_a_clear_message(self, raw):
        with pytest.raises(SignInError, match="请输入正确的 11 位手机号码"):
            normalise_phone(raw)

    def test_a_bad_number_on_the_page_gets_the_message_and_no_code(self):
        response = ask_for_code(Client(), "12345")
        assert response.status_code == 400
        assert "请输入正确的 11 位手机号码" in response.content.decode()
        assert not OneTimeCode.objects.exists()


class TestTheCode:
    def test_asking_for_a_code_leads_to_the_code_page_which_shows_it_in_the_demo(self):
        client = Client()
        response = ask_for_code(client)
        assert response.status_code == 302 and response["Location"] == "/citizen/login/code/"
        code = shown_code(client)
        assert len(code) == 6 and code.isdigit()
        page = client.get("/citizen/login/code/").content.decode()
        assert code in page and "演示环境不发送短信" in page and "139****0000" in page

    def test_the_code_is_stored_only_as_a_keyed_digest_valid_for_five_minutes(self):
        client = Client()
        ask_for_code(client)
        otp = OneTimeCode.objects.get(phone=PHONE)
        assert shown_code(client) not in otp.code_hash and len(otp.code_hash) == 64
        assert otp.expires_at == TUESDAY_MORNING + timedelta(minutes=5)

    def test_without_on_screen_codes_the_code_goes_through_the_sms_gateway_and_is_not_shown(self, settings):
        settings.CITIZEN_OTP_SHOW_ON_SCREEN = False
        settings.CITIZEN_SMS_SENDER = f"{__name__}.record_sms"
        sent_messages.clear()
        client = Client()
        ask_for_code(client)
        assert SHOWN_CODE not in client.session
        [(phone, text)] = sent_messages
        code = next(word for word in text.replace("，", " ").split() if word.isdigit() and len(word) == 6)
        assert phone == PHONE and "5 分钟内有效" in text
        page = client.get("/citizen/login/code/").content.decode()
        assert code not in page and "验证码已发送至" in page
        enter_code(client, code)
        assert client.session[CITIZEN_ID] == Citizen.objects.get(phone=PHONE).pk

    def test_without_on_screen_codes_or_a_gateway_the_citizen_is_told_and_no_code_remains(self, settings):
        settings.CITIZEN_OTP_SHOW_ON_SCREEN = False
        settings.CITIZEN_SMS_SENDER = ""
        response = ask_for_code(Client())
        assert "短信服务尚未开通" in response.content.decode()
        assert not OneTimeCode.objects.exists()

    def test_the_code_page_without_a_phone_sends_the_citizen_back_to_enter_one(self):
        response = Client().get("/citizen/login/code/", follow=True)
        assert response.redirect_chain[-1][0] == "/citizen/login/"
        assert "请先输入手机号获取验证码" in response.content.decode()


class TestSigningIn:
    def test_the_right_code_signs_in_a_new_citizen_and_notes_the_visit(self):
        client = Client()
        ask_for_code(client)
        response = enter_code(client, shown_code(client))
        citizen = Citizen.objects.get(phone=PHONE)
        assert response.status_code == 302 and response["Location"] == "/citizen/reports/"
        assert client.session[CITIZEN_ID] == citizen.pk
        assert citizen.last_seen_at == TUESDAY_MORNING
        entry = AuditEntry.objects.get(action="citizen.sign_in")
        assert entry.actor_label == "citizen:139****0000" and entry.summary == {"new": True}

    def test_an_existing_citizen_is_found_by_phone_not_created_again(self, citizen):
        client = Client()
        ask_for_code(client, citizen.phone)
        enter_code(client, shown_code(client))
        assert Citizen.objects.filter(phone=citizen.phone).count() == 1
        assert client.session[CITIZEN_ID] == citizen.pk

    def test_signing_in_changes_the_session_id(self):
        client = Client()
        ask_for_code(client)
        before = client.session.session_key
        enter_code(client, shown_code(client))
        assert client.session.session_key != before

    def test_a_wrong_code_is_refused_with_the_tries_left(self):
        client = Client()
        ask_for_code(client)
        response = enter_code(client, wrong(shown_code(client)))
        assert response.status_code == 400
        assert f"验证码不正确，还可以再试 {MAX_TRIES - 1} 次" in response.content.decode()
        assert CITIZEN_ID not in client.session

    def test_after_five_wrong_tries_even_the_right_code_is_refused(self):
        client = Client()
        ask_for_code(client)
        code = shown_code(client)
        for _ in range(MAX_TRIES):
            enter_code(client, wrong(code))
        response = enter_code(client, code)
        assert "验证码输错次数过多，请重新获取" in response.content.decode()
        assert CITIZEN_ID not in client.session

    def test_an_expired_code_is_refused(self, time_machine):
        client = Client()
        ask_for_code(client)
        time_machine.move_to(TUESDAY_MORNING + timedelta(minutes=5, seconds=1), tick=False)
        response = enter_code(client, shown_code(client))
        assert "验证码已过期" in response.content.decode()
        assert CITIZEN_ID not in client.session

    def test_a_code_works_only_once(self):
        client = Client()
        ask_for_code(client)
        code = shown_code(client)
        assert verify_code(PHONE, code, ip="10.0.0.1").phone == PHONE
        with pytest.raises(SignInError, match="该验证码已使用过"):
            verify_code(PHONE, code, ip="10.0.0.2")

    def test_a_code_sent_again_from_a_finished_sign_in_page_does_not_sign_in_twice(self):
        client = Client()
        ask_for_code(client)
        code = shown_code(client)
        enter_code(client, code)
        client.post("/citizen/logout/")
        response = enter_code(client, code)
        assert response["Location"] == "/citizen/login/"
        assert CITIZEN_ID not in client.session

    def test_a_new_code_replaces_the_old_one(self, time_machine):
        client = Client()
        ask_for_code(client)
        old = shown_code(client)
        time_machine.move_to(TUESDAY_MORNING + timedelta(minutes=1), tick=False)
        ask_for_code(client)
        new = shown_code(client)
        if old != new:
            assert "验证码不正确" in enter_code(client, old).content.decode()
        enter_code(client, new)
        assert CITIZEN_ID in client.session

    def test_a_code_that_is_not_six_digits_is_refused_without_using_a_try(self):
        client = Client()
        ask_for_code(client)
        assert "请输入 6 位数字验证码" in enter_code(client, "12ab").content.decode()
        assert OneTimeCode.objects.get(phone=PHONE).attempts == 0

    def test_a_blocked_citizen_gets_no_code(self):
        Citizen.objects.create(phone=PHONE, is_blocked=True)
        response = ask_for_code(Client())
        assert "该手机号已停用" in response.content.decode()
        assert not OneTimeCode.objects.exists()

    def test_after_signing_in_the_citizen_goes_where_they_were_going(self, citizen):
        client = Client()
        first = client.get("/citizen/report/")
        assert first.status_code == 302 and first["Location"] == "/citizen/login/?next=%2Fcitizen%2Freport%2F"
        client.get(first["Location"])
        ask_for_code(client, citizen.phone)
        assert enter_code(client, shown_code(client))["Location"] == "/citizen/report/"

    def test_a_next_address_on_another_site_is_ignored(self, citizen):
        client = Client()
        client.get("/citizen/login/?next=https://evil.example/")
        ask_for_code(client, citizen.phone)
        assert enter_code(client, shown_code(client))["Location"] == "/citizen/reports/"


class TestTheSession:
    def test_signing_out_forgets_the_citizen(self, citizen):
        client = signed_in(citizen)
        response = client.post("/citizen/logout/")
        assert response["Location"] == "/citizen/login/"
        assert CITIZEN_ID not in client.session
        assert client.get("/citizen/reports/")["Location"].startswith("/citizen/login/")

    def test_signing_out_needs_a_post(self, citizen):
        client = signed_in(citizen)
        assert client.get("/citizen/logout/").status_code == 405
        assert client.session[CITIZEN_ID] == citizen.pk

    def test_a_blocked_citizen_is_signed_out_at_the_next_request(self, citizen):
        client = signed_in(citizen)
        Citizen.objects.filter(pk=citizen.pk).update(is_blocked=True)
        assert client.get("/citizen/reports/")["Location"].startswith("/citizen/login/")

    def test_the_visit_time_is_noted_at_most_every_five_minutes(self, citizen, time_machine):
        client = signed_in(citizen)
        client.get("/citizen/reports/")
        assert Citizen.objects.get(pk=citizen.pk).last_seen_at == TUESDAY_MORNING
        time_machine.move_to(TUESDAY_MORNING + timedelta(minutes=2), tick=False)
        client.get("/citizen/reports/")
        assert Citizen.objects.get(pk=citizen.pk).last_seen_at == TUESDAY_MORNING
        time_machine.move_to(TUESDAY_MORNING + timedelta(minutes=6), tick=False)
        client.get("/citizen/reports/")
        assert Citizen.objects.get(pk=citizen.pk).last_seen_at == TUESDAY_MORNING + timedelta(minutes=6)

    @pytest.mark.parametrize("staff_page", ["/", "/territory/", "/events/", "/accounts/units/"])
    def test_a_citizen_session_never_opens_a_staff_page(self, citizen, staff_page):
        response = signed_in(citizen).get(staff_page)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    def test_a_citizen_session_never_passes_the_staff_api(self, citizen):
        assert signed_in(citizen).get("/api/v1/events").status_code == 401

    @pytest.mark.parametrize(
        "page", ["/citizen/report/", "/citizen/reports/", "/citizen/reports/YK1/", "/citizen/report/suggest/"]
    )
    def test_anonymous_visitors_are_sent_to_the_citizen_sign_in(self, page):
        response = Client().get(page)
        assert response.status_code == 302 and response["Location"].startswith("/citizen/login/?next=")

    def test_an_htmx_request_without_a_session_redirects_the_whole_page(self):
        response = Client().get(
            "/citizen/report/suggest/?description=x",
            HTTP_HX_REQUEST="true",
            HTTP_HX_CURRENT_URL="http://testserver/citizen/report/",
        )
        assert response["HX-Redirect"] == "/citizen/login/?next=%2Fcitizen%2Freport%2F"

    def test_a_staff_login_is_no_citizen_session(self, client_for, dispatcher_a):
        response = client_for(dispatcher_a).get("/citizen/reports/")
        assert response.status_code == 302 and response["Location"].startswith("/citizen/login/")

    def test_the_citizen_home_leads_to_sign_in_or_to_my_reports(self, citizen):
        assert Client().get("/citizen/")["Location"] == "/citizen/login/"
        assert signed_in(citizen).get("/citizen/")["Location"] == "/citizen/reports/"
