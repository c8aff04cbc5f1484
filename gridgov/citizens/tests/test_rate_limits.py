"""Rate limits on code requests, sign-in tries and reports, counted in the database so that every
web worker process sees the same count."""

from datetime import timedelta

import pytest
from django.test import Client

from gridgov.citizens.models import RateLimitHit
from gridgov.citizens.ratelimit import Bucket, RateLimited, Rule, take, wait_message
from gridgov.citizens.services import SignInError, request_code, submit_report, verify_code
from gridgov.events.models import Event
from gridgov.events.services import Report

from .conftest import GARBAGE_TEXT, TUESDAY_MORNING, first_grid_of, matter, point_in

pytestmark = pytest.mark.django_db

PHONE = "13912340000"


def at(minutes: float = 0, seconds: float = 0):
    return TUESDAY_MORNING + timedelta(minutes=minutes, seconds=seconds)


class TestTheCounter:
    def test_a_bucket_takes_its_limit_then_refuses_and_says_how_long_to_wait(self, time_machine):
        bucket = Bucket("test", "a", (Rule(2, 60),))
        take(bucket)
        time_machine.move_to(at(seconds=10), tick=False)
        take(bucket)
        time_machine.move_to(at(seconds=15), tick=False)
        with pytest.raises(RateLimited) as refused:
            take(bucket)
        assert refused.value.retry_after == 45  # the first hit leaves the window at 60 s
        assert str(refused.value) == "操作过于频繁，请 45 秒后再试"
        time_machine.move_to(at(seconds=61), tick=False)
        take(bucket)

    def test_a_refused_request_does_not_count(self, time_machine):
        bucket = Bucket("test", "a", (Rule(1, 60),))
        take(bucket)
        for second in (10, 20, 30):
            time_machine.move_to(at(seconds=second), tick=False)
            with pytest.raises(RateLimited):
                take(bucket)
        assert RateLimitHit.objects.count() == 1
        time_machine.move_to(at(seconds=60), tick=False)
        take(bucket)

    def test_when_one_bucket_refuses_the_others_do_not_count_either(self):
        full = Bucket("test", "full", (Rule(1, 60),))
        other = Bucket("test", "other", (Rule(1, 60),))
        take(full)
        with pytest.raises(RateLimited):
            take(other, full)
        take(other)  # its hit was given back

    def test_buckets_of_different_values_are_counted_apart(self):
        take(Bucket("test", "a", (Rule(1, 60),)))
        take(Bucket("test", "b", (Rule(1, 60),)))

    def test_the_table_holds_no_phone_number_or_address(self):
        take(Bucket("code:phone", PHONE, (Rule(1, 60),)), Bucket("code:ip", "10.1.2.3", (Rule(1, 60),)))
        for key in RateLimitHit.objects.values_list("bucket", flat=True):
            assert PHONE not in key and "10.1.2.3" not in key and len(key) == 64

    def test_long_waits_are_told_in_minutes(self):
        assert wait_message(3000) == "操作过于频繁，请 50 分钟后再试"


class TestCodeRequests:
    def test_one_code_a_minute_per_phone(self, time_machine):
        request_code(PHONE, ip="10.0.0.1")
        time_machine.move_to(at(seconds=20), tick=False)
        with pytest.raises(RateLimited, match="请 40 秒后再试"):
            request_code(PHONE, ip="10.0.0.2")
        time_machine.move_to(at(seconds=60), tick=False)
        request_code(PHONE, ip="10.0.0.2")

    def test_five_codes_an_hour_per_phone(self, time_machine):
        for minute in range(5):
            time_machine.move_to(at(minutes=minute * 2), tick=False)
            request_code(PHONE, ip="10.0.0.1")
        time_machine.move_to(at(minutes=10), tick=False)
        with pytest.raises(RateLimited, match="请 50 分钟后再试"):
            request_code(PHONE, ip="10.0.0.1")

    def test_twenty_codes_an_hour_per_address(self):
        for n in range(20):
            request_code(f"139000000{n:02d}", ip="10.9.9.9")
        with pytest.raises(RateLimited):
            request_code("13900000099", ip="10.9.9.9")
        request_code("13900000099", ip="10.9.9.10")

    def test_the_page_answers_429_with_the_wait(self):
        client = Client()
        client.post("/citizen/login/", {"phone": PHONE})
        response = client.post("/citizen/login/", {"phone": PHONE})
        assert response.status_code == 429
        assert "操作过于频繁，请 60 秒后再试" in response.content.decode()

    def test_a_badly_typed_number_uses_up_nothing(self):
        with pytest.raises(SignInError):
            request_code("1391234", ip="10.0.0.1")
        assert not RateLimitHit.objects.exists()


class TestSignInTries:
    def test_ten_tries_an_hour_per_phone_across_codes(self, time_machine):
        tries = 0
        for minute in range(3):
            time_machine.move_to(at(minutes=minute * 2), tick=False)
            request_code(PHONE, ip="10.0.0.1")
            for _ in range(4 if minute < 2 else 2):
                with pytest.raises(SignInError, match="验证码不正确"):
                    verify_code(PHONE, "999999" if tries % 2 else "888888", ip="10.0.0.1")
                tries += 1
        assert tries == 10
        with pytest.raises(RateLimited):
            verify_code(PHONE, "999999", ip="10.0.0.1")


class TestReports:
    def report(self, key: str) -> Report:
        lon, lat = point_in(first_grid_of())
        return Report(
            channel="citizen",
            description=GARBAGE_TEXT,
            lon=lon,
            lat=lat,
            matter_code=matter("暴露垃圾").code,
            idempotency_key=key,
        )

    def test_ten_reports_an_hour_per_citizen(self, citizen, time_machine):
        for n in range(10):
            time_machine.move_to(at(minutes=n), tick=False)
            submit_report(citizen, self.report(f"k{n}"), ip="10.0.0.1")
        with pytest.raises(RateLimited, match="请 51 分钟后再试"):
            submit_report(citizen, self.report("k10"), ip="10.0.0.1")
        assert Event.objects.filter(reporter_citizen=citizen).count() == 10

    def test_a_retry_or_a_refused_report_does_not_count(self, citizen):
        submit_report(citizen, self.report("same"), ip="10.0.0.1")
        for _ in range(10):
            submit_report(citizen, self.report("same"), ip="10.0.0.1")
        bad = self.report("bad")
        bad.description = ""
        with pytest.raises(Exception, match="请填写事件描述"):
            submit_report(citizen, bad, ip="10.0.0.1")
        for n in range(9):
            submit_report(citizen, self.report(f"k{n}"), ip="10.0.0.1")
        assert Event.objects.filter(reporter_citizen=citizen).count() == 10

    def test_the_hourly_limit_is_the_citizens_own(self, citizen, other_citizen):
        for n in range(10):
            submit_report(citizen, self.report(f"k{n}"), ip="10.0.0.1")
        submit_report(other_citizen, self.report("k0"), ip="10.0.0.1")


class TestForgetting:
    def test_codes_and_hits_older_than_a_day_are_purged_by_the_hourly_job(self, time_machine):
        from gridgov.citizens.models import OneTimeCode
        from gridgov.core.scheduling import discover

        request_code(PHONE, ip="10.0.0.1")
        time_machine.move_to(at(minutes=60 * 24 + 1), tick=False)
        request_code("13912340001", ip="10.0.0.1")
        assert (
            discover()["citizens.purge_expired"].run() == 1 + 2
        )  # one code and its two hits (phone, address)
        assert list(OneTimeCode.objects.values_list("phone", flat=True)) == ["13912340001"]
        assert RateLimitHit.objects.count() == 2
